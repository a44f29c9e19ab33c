package runtask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ContextConfig makes the server check each plan against the current
// state of other workspaces (the network stack of an application
// workspace): their JSON state, as `terraform show -json` prints it.
type ContextConfig struct {
	// Workspaces lists the context workspaces of a task's workspace, by
	// name (in the task's organization) or by id (ws-…); none: no context.
	Workspaces func(workspace string) []string
	// Token reads the context workspaces' state versions (a team or user
	// token with read access to state); never logged.
	Token string
	// MaxBytes bounds each JSON state, Timeout all of a task's fetches.
	MaxBytes int64
	Timeout  time.Duration
}

// ContextState is the JSON state of one context workspace.
type ContextState struct {
	Workspace string // as configured: a name or an id
	JSON      []byte
}

// ContextProblem says why a context workspace's state was not fetched.
type ContextProblem struct {
	Workspace string
	Reason    string
}

// fetchContexts fetches the current JSON state of each context workspace
// of req: GET /api/v2/workspaces/:id/current-state-version (the id found by
// name first when needed), then its hosted-json-state-download-url. The API
// is the host of the task's plan_json_api_url. A workspace that cannot be
// fetched is a problem, not a failure: the plan is checked without it.
func (s *Server) fetchContexts(ctx context.Context, req Request) ([]ContextState, []ContextProblem) {
	c := s.cfg.Context
	if c.Workspaces == nil {
		return nil, nil
	}
	names := c.Workspaces(req.WorkspaceName)
	if len(names) == 0 {
		return nil, nil
	}
	var problems []ContextProblem
	if c.Token == "" {
		for _, name := range names {
			problems = append(problems, ContextProblem{name, "no token to read it: set RETURNPATH_TFE_TOKEN"})
		}
		return nil, problems
	}
	api, err := apiBase(req.PlanJSONAPIURL)
	if err != nil {
		for _, name := range names {
			problems = append(problems, ContextProblem{name, err.Error()})
		}
		return nil, problems
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	var states []ContextState
	for _, name := range names {
		data, err := s.fetchState(ctx, api, req.OrganizationName, name)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("not fetched within %s", c.Timeout)
			}
			problems = append(problems, ContextProblem{name, err.Error()})
			continue
		}
		states = append(states, ContextState{Workspace: name, JSON: data})
	}
	return states, problems
}

// apiBase is the API of the HCP Terraform or Terraform Enterprise that
// sent a task: the scheme and host of its plan_json_api_url.
func apiBase(planURL string) (*url.URL, error) {
	u, err := url.Parse(planURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the task's plan_json_api_url %q names no API host", planURL)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/api/v2/"}, nil
}

func (s *Server) fetchState(ctx context.Context, api *url.URL, org, workspace string) ([]byte, error) {
	id := workspace
	if !strings.HasPrefix(workspace, "ws-") {
		var ws struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		path := "organizations/" + url.PathEscape(org) + "/workspaces/" + url.PathEscape(workspace)
		if err := s.getAPI(ctx, api.JoinPath(path), &ws); err != nil {
			return nil, err
		}
		if ws.Data.ID == "" {
			return nil, errors.New("the workspace API names no id")
		}
		id = ws.Data.ID
	}
	var sv struct {
		Data struct {
			ID         string `json:"id"`
			Attributes struct {
				JSONURL string `json:"hosted-json-state-download-url"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := s.getAPI(ctx, api.JoinPath("workspaces", url.PathEscape(id), "current-state-version"), &sv); err != nil {
		return nil, err
	}
	if sv.Data.Attributes.JSONURL == "" {
		return nil, fmt.Errorf("its current state version %s has no JSON state (written by Terraform before 1.3?)", sv.Data.ID)
	}
	download, err := api.Parse(sv.Data.Attributes.JSONURL)
	if err != nil {
		return nil, fmt.Errorf("hosted-json-state-download-url: %v", err)
	}
	// The token goes to the API's host only: a download URL elsewhere is
	// signed and needs none.
	resp, err := s.get(ctx, download, download.Host == api.Host)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := s.cfg.Context.MaxBytes
	if limit <= 0 {
		limit = 256 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", download.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("its JSON state is larger than %d bytes", limit)
	}
	return data, nil
}

// getAPI reads one JSON:API document.
func (s *Server) getAPI(ctx context.Context, u *url.URL, into any) error {
	resp, err := s.get(ctx, u, true)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into); err != nil {
		return fmt.Errorf("GET %s: not a JSON:API document: %v", u.Path, err)
	}
	return nil
}

// get sends a GET with the context token (when withToken), and fails on
// any status but 200, saying what it means for a context workspace.
func (s *Server) get(ctx context.Context, u *url.URL, withToken bool) (*http.Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if withToken {
		hreq.Header.Set("Authorization", "Bearer "+s.cfg.Context.Token)
	}
	hreq.Header.Set("Accept", "application/vnd.api+json")
	hreq.Header.Set("User-Agent", s.userAgent())
	resp, err := s.client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", u.Redacted(), transportProblem(err))
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("GET %s: %s (RETURNPATH_TFE_TOKEN was refused)", u.Path, resp.Status)
	case http.StatusNotFound:
		return nil, fmt.Errorf("GET %s: %s (no such workspace or state, or RETURNPATH_TFE_TOKEN cannot read it)", u.Path, resp.Status)
	}
	return nil, fmt.Errorf("GET %s: %s", u.Path, resp.Status)
}
