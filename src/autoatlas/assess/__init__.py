"""Assessments: all rules for one model in one market on one date, plus the landed cost."""
