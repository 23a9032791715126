"""Rule set data files, one per policy document revision (``<id>.toml``).

Adding a policy revision means adding a file here; :mod:`gaizao.policy.ruleset` finds, validates and dates them.
"""
