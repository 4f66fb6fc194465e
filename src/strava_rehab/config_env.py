"""The environment variable that names the settings file.

Its own module, free of imports, so that the command line's ``--help`` can name it without
loading the settings model (pydantic and the content it validates against).
"""

CONFIG_ENV = "STRAVA_REHAB_CONFIG"
