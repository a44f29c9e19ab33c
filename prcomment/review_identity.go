package prcomment

import (
	"context"
	"errors"
	"strings"

	"github.com/google/go-github/v84/github"
)

// reviewIdentity is who the token is, for telling returnpath's own review
// comments from others': GraphQL's viewer { login } (an Actions token
// cannot call GET /user). A user's token writes as that login; an app's
// token, the Actions GITHUB_TOKEN included, as the app's slug with "[bot]"
// and type Bot.
//
// Interim: issue 17 gives the sticky comment the same rule
// (Client.identity); once it is on main, reviews use that one.
func (c *Client) reviewIdentity(ctx context.Context) (string, error) {
	url := *c.gh.BaseURL
	if base, ok := strings.CutSuffix(url.Path, "/v3/"); ok {
		url.Path = base + "/graphql" // GitHub Enterprise Server: /api/graphql
	} else {
		url.Path = strings.TrimSuffix(url.Path, "/") + "/graphql"
	}
	var out struct {
		Data struct {
			Viewer struct {
				Login string `json:"login"`
			} `json:"viewer"`
		} `json:"data"`
	}
	const doing = "finding who the token is (GraphQL viewer)"
	err := c.call(ctx, doing, func(ctx context.Context) (*github.Response, error) {
		req, err := c.gh.NewRequest("POST", url.String(), map[string]string{"query": "query { viewer { login } }"})
		if err != nil {
			return nil, err
		}
		return c.gh.Do(ctx, req, &out)
	})
	if err != nil {
		return "", err
	}
	if out.Data.Viewer.Login == "" {
		return "", errors.New(doing + ": the answer names no login")
	}
	return out.Data.Viewer.Login, nil
}

// reviewWroteBy reports whether user, a comment's author, is the viewer:
// the same login, or for an app the login with "[bot]" and type Bot.
func reviewWroteBy(user *github.User, viewer string) bool {
	login := user.GetLogin()
	if login == "" || viewer == "" {
		return false
	}
	if strings.EqualFold(login, viewer) {
		return true
	}
	return user.GetType() == "Bot" && strings.EqualFold(login, viewer+"[bot]")
}
