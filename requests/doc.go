// Package requests owns a request's life, from the moment a person asks
// to the moment it is done, without Slack: the states a request passes
// through and the moves between them (state.go), the rules that decide
// them (rules.go, checks.go), and the audit record of every move, built in
// one function (Records, record.go).
//
// A request's life:
//
//	received ─▶ refused
//	    │
//	    ├────▶ needs form ─▶ received (the form, submitted)
//	    ├────▶ running ─▶ done | failed                  (no approval needed)
//	    ├────▶ verifying ─▶ running | failed             (the verify: rule)
//	    └────▶ pending approval ─▶ denied | expired
//	                 │
//	                 ├─▶ approved ─▶ (verifying ─▶) running ─▶ done | failed
//	                 │      │            ▲  └─▶ approved (the lease was lost: run again)
//	                 │      └────────────┴─▶ failed (closed unrun)
//	                 │                   │
//	                 └─▶ broken glass ───┘  (its requester, after the rule's
//	                                         break_glass wait; reviewed later)
//
// A request that gives access for a time (assign-role and add-to-group
// with --for) leaves grants behind it, each with a life of its own
// (grants.go): given, then removed at its end (or ended early, or
// extended), by exactly one replica, retried until Okta takes it.
//
// It depends on actions, auth and store, never on Slack: the Slack edge
// (package handlers) turns people's input into calls here and delivers what
// comes back.
package requests
