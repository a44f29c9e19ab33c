// Package fakegithub is an in-process fake of the part of the GitHub REST
// API that pull-request comments use (list, create, edit and delete issue
// comments), for tests: it listens on 127.0.0.1 only, checks the bearer
// token, pages its lists with Link headers, records every request, and
// answers with injected failures (403, 429, …) when a test asks.
package fakegithub
