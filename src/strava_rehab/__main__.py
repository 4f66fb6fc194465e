from strava_rehab.cli import run

run()
