"""The bundle README's section for a bundle in another language: the notebooks' language, and JupyterLab's.

JupyterLab's own menus come in language packs (one pip package per
language). The bundle does not install or pin one: a pack follows
JupyterLab's release and the student's pip picks the one that fits; the
README says what to install and where to switch.
"""
from __future__ import annotations

LANGUAGE_PACKS = {"es": "jupyterlab-language-pack-es-ES"}
NAMES = {"es": ("Spanish", "Español")}

SECTIONS = {"es": """## JupyterLab en español

Los cuadernos de esta carpeta están en español, y el autograder te responde en
español (las líneas ✓/✘, el resumen y la página de retroalimentación).
Para ver también los menús de JupyterLab en español, instala su paquete de
idioma en el mismo entorno y elige el idioma:

```bash
.venv/bin/pip install {pack}
```

Después, en JupyterLab: **Settings → Language → Español** (la página se vuelve
a cargar en español).

(The notebooks in this bundle are in {english}. To see JupyterLab's own menus in
{english} too, install `{pack}` as above, then choose Settings → Language → {native}.)
"""}


def language_section(language: str | None) -> str:
    """The README section for a bundle in ``language`` ("" for English)."""
    if not language or language == "en":
        return ""
    pack = LANGUAGE_PACKS.get(language, f"jupyterlab-language-pack-{language}")
    english, native = NAMES.get(language, (language, language))
    template = SECTIONS.get(language, """## The notebooks' language

The notebooks in this bundle are in `{language}`. To see JupyterLab's own menus in it too, install
`{pack}` (`.venv/bin/pip install {pack}`) and choose Settings → Language.
""")
    return template.format(pack=pack, english=english, native=native, language=language) + "\n"
