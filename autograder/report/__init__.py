"""What a grading run writes and what instructors do with it afterwards: ``outputs`` (gradebook,
results, JUnit, the cache), ``feedback`` (the per-student pages), ``handgrade`` (manual marks) and
``export`` (LMS files).
"""
