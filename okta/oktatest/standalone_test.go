package oktatest

import (
	"net/http"
	"testing"
)

// A server made by Start is as strict as one made by New: a request that
// violates the spec is answered as Okta would and recorded, without a test
// to fail.
func TestStartIsStrictWithoutATest(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := s.AddUser(User{Login: "standalone@corp.com"})

	req, _ := http.NewRequest("GET", s.URL+"/api/v1/users/"+u.ID, nil)
	req.Header.Set("Authorization", "SSWS "+s.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET user: %d", resp.StatusCode)
	}

	req, _ = http.NewRequest("GET", s.URL+"/api/v1/users?limit=many", nil)
	req.Header.Set("Authorization", "SSWS "+s.Token)
	req.Header.Set("Accept", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Errorf("a malformed limit was answered %d", resp.StatusCode)
	}
	if len(s.Violations()) == 0 {
		t.Errorf("no violation recorded for a malformed limit")
	}
}

func TestStartSeedMistakePanics(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddUser(User{Login: "twice@corp.com"})
	defer func() {
		if recover() == nil {
			t.Errorf("a duplicate login in the seed did not panic")
		}
	}()
	s.AddUser(User{Login: "twice@corp.com"})
}
