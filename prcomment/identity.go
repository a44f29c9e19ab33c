package prcomment

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/google/go-github/v84/github"
)

// Whose comments count
//
// The sticky comment is the one the token's own identity wrote: a comment
// by anyone else counts for nothing, whatever marker, key or run id it
// holds, so that nobody can make returnpath edit or delete their comment,
// or pin a stale verdict with a forged run id.
//
// The identity is GraphQL's viewer { login }, asked once per run (POST
// GITHUB_API_URL/graphql; on GitHub Enterprise Server, whose REST base is
// https://HOST/api/v3, POST https://HOST/api/graphql). REST's GET /user
// would not do: an Actions GITHUB_TOKEN gets 403 there. A user's token
// (a PAT) is the user: its comments have that user.login. An app's token,
// the Actions GITHUB_TOKEN included, has the app's slug as viewer
// ("github-actions") while REST shows its comments as the slug with
// "[bot]" and user.type "Bot" ("github-actions[bot]"); a login with "["
// cannot be a user's, and the type is checked as well.

// graphQLURL is the GraphQL endpoint that goes with the REST base.
func graphQLURL(base *url.URL) *url.URL {
	u := *base
	if prefix, ok := strings.CutSuffix(u.Path, "/api/v3/"); ok {
		u.Path = prefix + "/api/graphql"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	return &u
}

// identity is the viewer's login, asked once.
func (c *Client) identity(ctx context.Context) (string, error) {
	if c.viewer != "" {
		return c.viewer, nil
	}
	var out struct {
		Data struct {
			Viewer struct {
				Login string `json:"login"`
			} `json:"viewer"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	const doing = "finding who the token is (GraphQL viewer)"
	err := c.call(ctx, doing, func(ctx context.Context) (*github.Response, error) {
		req, err := c.gh.NewRequest("POST", c.graphql.String(), map[string]string{"query": "query { viewer { login } }"})
		if err != nil {
			return nil, err
		}
		return c.gh.Do(ctx, req, &out)
	})
	if err != nil {
		return "", err
	}
	if len(out.Errors) > 0 {
		return "", c.redact(errors.New(doing + ": " + out.Errors[0].Message))
	}
	if out.Data.Viewer.Login == "" {
		return "", errors.New(doing + ": the answer names no login")
	}
	c.viewer = out.Data.Viewer.Login
	return c.viewer, nil
}

// wroteBy reports whether user, a comment's REST author, is the viewer:
// the same login, or for an app the login with "[bot]" and type Bot.
func wroteBy(user *github.User, viewer string) bool {
	login := user.GetLogin()
	if login == "" || viewer == "" {
		return false
	}
	if strings.EqualFold(login, viewer) {
		return true
	}
	return user.GetType() == "Bot" && strings.EqualFold(login, viewer+"[bot]")
}
