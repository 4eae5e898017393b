"""Who may read the state-of-affairs report: VVSG staff, like every overview it draws on."""

import rules

rules.add_perm("reports.read_programme_report", rules.is_staff)
