"""Everything that speaks SQL: tables, sessions, queries, migrations. Imports no Slack module."""
