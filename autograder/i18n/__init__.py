"""The labs in more than one language, from one master and one key (docs/architecture.md, "Languages").

* ``messages``: the autograder's own messages from a gettext catalogue
  (``autograder/locale/<lang>/LC_MESSAGES/autograder.po``), in the language of
  the notebook being graded or run, never the machine's locale;
* ``extract``: the English of a master, one PO entry per markdown cell;
* ``po_files``: ``autograder i18n update`` (merge into ``labs/i18n/<lang>/<lab>.po``,
  fuzzy/obsolete) and the completeness check ``build`` applies;
* ``translate``: a master with its markdown cells replaced from a PO file (code
  cells never change, so one key grades every language);
* ``languages``: which languages a lab is built in, and where their notebooks go.

Only ``messages`` is imported by a student's kernel; it loads polib only when a
notebook is not in English.
"""
