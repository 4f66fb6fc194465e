from strava_rehab.cli import main

main()
