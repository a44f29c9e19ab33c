package runtask

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// reportURLFields are the placeholders a report URL template may use, and
// where each value comes from.
func reportURLFields(r Request) map[string]string {
	return map[string]string{
		"run_id":            r.RunID,
		"task_result_id":    r.TaskResultID,
		"workspace_id":      r.WorkspaceID,
		"workspace_name":    r.WorkspaceName,
		"organization_name": r.OrganizationName,
		"stage":             r.Stage,
	}
}

// reportURL is a checked template; the zero value expands to "".
type reportURL struct{ template string }

// ParseReportURL checks a report URL template: an absolute http(s) URL in
// which {run_id}, {task_result_id}, {workspace_id}, {workspace_name},
// {organization_name} and {stage} stand for the task's values, escaped as
// URL path segments. "" is no URL.
func ParseReportURL(template string) (reportURL, error) {
	if template == "" {
		return reportURL{}, nil
	}
	known := reportURLFields(Request{})
	for _, m := range placeholder().FindAllStringSubmatch(template, -1) {
		if _, ok := known[m[1]]; !ok {
			names := make([]string, 0, len(known))
			for name := range known {
				names = append(names, "{"+name+"}")
			}
			slices.Sort(names)
			return reportURL{}, fmt.Errorf("report URL %q: unknown placeholder {%s} (want %s)", template, m[1], strings.Join(names, ", "))
		}
	}
	sample := placeholder().ReplaceAllString(template, "x")
	if err := checkURL(sample); err != nil {
		return reportURL{}, fmt.Errorf("report URL %q %v", template, err)
	}
	return reportURL{template: template}, nil
}

// expand fills the template in with the values of r.
func (t reportURL) expand(r Request) string {
	if t.template == "" {
		return ""
	}
	fields := reportURLFields(r)
	return placeholder().ReplaceAllStringFunc(t.template, func(p string) string {
		return url.PathEscape(fields[p[1:len(p)-1]])
	})
}

func placeholder() *regexp.Regexp { return regexp.MustCompile(`\{([a-z_]+)\}`) }
