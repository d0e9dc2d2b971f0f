"""Requirements as code: the engine and the rule library."""

from autoatlas.rules.engine import RULES, Finding, Rule, Severity, Status, rules_reading, run_rules

__all__ = ["RULES", "Finding", "Rule", "Severity", "Status", "rules_reading", "run_rules"]
