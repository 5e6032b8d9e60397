package oktatest

import "net/http"

// The user lifecycle state machine (reference/okta.md and the spec):
//
//	activate        STAGED, DEPROVISIONED -> ACTIVE (with a password) or
//	                PROVISIONED (without: the user must finish activation);
//	                any other status: 403 E0000016
//	reactivate      PROVISIONED, RECOVERY -> unchanged, new activation token;
//	                else 403 E0000038
//	deactivate      any but DEPROVISIONED -> DEPROVISIONED; a DEPROVISIONED
//	                user is 404 E0000007, as real Okta answers
//	                (okta/okta-sdk-java#721)
//	suspend         ACTIVE -> SUSPENDED; else 400 E0000001
//	unsuspend       SUSPENDED -> ACTIVE; else 400 E0000001
//	unlock          LOCKED_OUT -> ACTIVE; an ACTIVE user blocked from unknown
//	                devices (BlockUnknownDevices) is unblocked; else (an
//	                ACTIVE user with nothing to unlock included: unconfirmed)
//	                403 E0000032
//	reset_password  ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED,
//	                PROVISIONED -> RECOVERY; else 403 E0000038
//	expire_password ACTIVE, PASSWORD_EXPIRED -> PASSWORD_EXPIRED; else 403
//	                E0000038
//	expire_password_with_temp_password
//	                the same, and the password becomes a random temporary
//	                one, answered once as {"tempPassword"}; revokeSessions
//	                (default false) also ends the user's sessions
//	reset_factors   any but DEPROVISIONED: factors removed; else 403 E0000038
//
// Activate and deactivate may take a while (SetTransitionTime); meanwhile
// every lifecycle call and update of the user is 403 E0000038.

func (s *Server) setStatus(u *user, c *reqCtx, status string) {
	if u.status != status {
		u.status = status
		u.statusChanged = c.now
	}
	u.lastUpdated = c.now
}

// activation answers activate/reactivate: with sendEmail Okta mails the
// link and answers {}; without, it answers a one-time link and token.
func (s *Server) activation(sendEmail bool) *response {
	if sendEmail {
		return jsonResp(http.StatusOK, map[string]any{})
	}
	tok := randomToken(20)
	return jsonResp(http.StatusOK, map[string]any{
		"activationUrl":   s.URL + "/tokens/" + tok + "/verify",
		"activationToken": tok,
	})
}

func activateUser(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "STAGED" && u.status != "DEPROVISIONED" {
		return errResp(&apiError{status: http.StatusForbidden, code: "E0000016",
			summary: "Activation failed because the user is already active"})
	}
	next := "PROVISIONED"
	if u.password != nil {
		next = "ACTIVE"
	}
	s.startTransition(u, c, next)
	u.activated = c.now
	s.logEvent(c, "user.lifecycle.activate", "Activate Okta user", userEntity(u))
	return s.activation(boolParam(c, "sendEmail", true))
}

func reactivateUser(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "PROVISIONED" && u.status != "RECOVERY" {
		return errResp(errStatus())
	}
	u.lastUpdated = c.now
	s.logEvent(c, "user.lifecycle.reactivate", "Reactivate Okta user", userEntity(u))
	return s.activation(boolParam(c, "sendEmail", false))
}

func deactivateUser(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status == "DEPROVISIONED" {
		return errResp(errNotFound(c.params["id"], "User"))
	}
	s.startTransition(u, c, "DEPROVISIONED")
	s.logEvent(c, "user.lifecycle.deactivate", "Deactivate Okta user", userEntity(u))
	return emptyResp(http.StatusOK)
}

func suspendUser(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "ACTIVE" {
		return errResp(errValidation("suspend", "Cannot suspend a user that is not active"))
	}
	s.setStatus(u, c, "SUSPENDED")
	s.logEvent(c, "user.lifecycle.suspend", "Suspend Okta user", userEntity(u))
	return emptyResp(http.StatusOK)
}

func unsuspendUser(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "SUSPENDED" {
		return errResp(errValidation("unsuspend", "Cannot unsuspend a user that is not suspended"))
	}
	s.setStatus(u, c, "ACTIVE")
	s.logEvent(c, "user.lifecycle.unsuspend", "Unsuspend Okta user", userEntity(u))
	return emptyResp(http.StatusOK)
}

func unlockUser(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "LOCKED_OUT" && !(u.status == "ACTIVE" && u.unknownDevicesBlocked) {
		return errResp(&apiError{status: http.StatusForbidden, code: "E0000032",
			summary: "Unlock is not allowed for this user."})
	}
	s.setStatus(u, c, "ACTIVE")
	u.unknownDevicesBlocked = false
	s.logEvent(c, "user.account.unlock", "Unlock user account", userEntity(u))
	return emptyResp(http.StatusOK)
}

func resetPassword(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	switch u.status {
	case "ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "PROVISIONED":
	default:
		return errResp(errStatus())
	}
	s.setStatus(u, c, "RECOVERY")
	s.logEvent(c, "user.account.reset_password", "Reset all user passwords", userEntity(u))
	if boolParam(c, "sendEmail", false) {
		return jsonResp(http.StatusOK, map[string]any{})
	}
	return jsonResp(http.StatusOK, map[string]any{
		"resetPasswordUrl": s.URL + "/reset_password/" + randomToken(20),
	})
}

func expirePassword(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "ACTIVE" && u.status != "PASSWORD_EXPIRED" {
		return errResp(errStatus())
	}
	s.setStatus(u, c, "PASSWORD_EXPIRED")
	s.logEvent(c, "user.account.expire_password", "Expire user password", userEntity(u))
	return jsonResp(http.StatusOK, s.userJSON(u, true))
}

func expirePasswordWithTempPassword(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status != "ACTIVE" && u.status != "PASSWORD_EXPIRED" {
		return errResp(errStatus())
	}
	temp := tempPassword()
	u.setPassword(temp)
	u.passwordChanged = c.now
	s.setStatus(u, c, "PASSWORD_EXPIRED")
	if boolParam(c, "revokeSessions", false) {
		delete(s.sessions, u.id)
	}
	s.logEvent(c, "user.account.expire_password", "Expire user password", userEntity(u))
	return jsonResp(http.StatusOK, map[string]any{"tempPassword": temp})
}

func resetFactors(s *Server, c *reqCtx) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status == "DEPROVISIONED" {
		return errResp(errStatus())
	}
	delete(s.factors, u.id)
	u.lastUpdated = c.now
	s.logEvent(c, "user.mfa.factor.reset_all", "Reset all factors for user", userEntity(u))
	return emptyResp(http.StatusOK)
}
