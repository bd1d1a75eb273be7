"""The domain of VaxDesk, pure Python: IDs, ROC dates, rule sets, assessment, rosters, events."""
