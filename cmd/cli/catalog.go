package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/report"
)

func newCriteriaCmd(stdout io.Writer) *cobra.Command {
	var format, area, kind string
	cmd := &cobra.Command{
		Use:   "criteria",
		Short: "List every criterion: id, area, severity, weight, title, why, reference",
		Long: `List every criterion imscore judges, with its area, severity, weight in the
area score, title, why it matters and its main reference. 'imscore explain ID'
shows everything about one criterion, including the fix per server software.`,
		Example: "  imscore criteria\n  imscore criteria --area tls --format json\n  imscore criteria --kind xmpp-client",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			all, err := criteria.All()
			if err != nil {
				return err
			}
			var sel []criteria.Meta
			for _, m := range all {
				if (area == "" || m.Area == area) && (kind == "" || slices.Contains(m.Targets, kind)) {
					sel = append(sel, m)
				}
			}
			if len(sel) == 0 {
				if kind != "" {
					return usageErr("no criteria for kind %q in area %q (kinds: tls, xmpp, matrix, xmpp-client)", kind, area)
				}
				return usageErr("no criteria in area %q", area)
			}
			switch format {
			case "json":
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(sel)
			case "table":
				for _, m := range sel {
					ref := ""
					if len(m.References) > 0 {
						ref = m.References[0].Title
					}
					fmt.Fprintf(stdout, "%s\n  area: %s · severity: %s · weight: %d\n  %s\n  why: %s\n  reference: %s\n\n",
						m.ID, m.Area, m.Severity, m.Weight, m.Title, firstSentence(m.Why), ref)
				}
				return nil
			}
			return usageErr("unknown --format %q (want table or json)", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table|json")
	cmd.Flags().StringVar(&area, "area", "", "only this area ("+strings.Join(areaIDs(), ", ")+")")
	cmd.Flags().StringVar(&kind, "kind", "", "only criteria for this kind of target (tls, xmpp, matrix, xmpp-client)")
	return cmd
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

func newExplainCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "explain ID",
		Short:   "Explain one criterion: why it matters, how it is measured, references and fixes",
		Example: "  imscore explain tls.protocol.no-tls10-11",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("explain needs exactly one criterion ID (see 'imscore criteria')")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, ok := criteria.Lookup(args[0])
			if !ok {
				return usageErr("unknown criterion %q (see 'imscore criteria')", args[0])
			}
			if format == "json" {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			if format != "text" {
				return usageErr("unknown --format %q (want text or json)", format)
			}
			w := stdout
			fmt.Fprintf(w, "%s — %s\n\n", m.ID, m.Title)
			fmt.Fprintf(w, "Area: %s   Severity: %s   Weight: %d\n\n", m.Area, m.Severity, m.Weight)
			fmt.Fprintf(w, "Why it matters\n%s\n\n", wrap(m.Why, 78, "  "))
			fmt.Fprintf(w, "How imscore measures it\n%s\n\n", wrap(m.How, 78, "  "))
			if len(m.Statuses) > 0 {
				fmt.Fprintln(w, "Verdicts")
				for _, st := range []string{"pass", "warn", "fail", "info", "skip", "error"} {
					if d, ok := m.Statuses[st]; ok {
						fmt.Fprintf(w, "  %-5s %s\n", st, wrap(d, 70, "        ")[8:])
					}
				}
				fmt.Fprintln(w)
			}
			if len(m.Caps) > 0 {
				fmt.Fprintln(w, "Grade caps")
				for _, c := range m.Caps {
					fmt.Fprintf(w, "  on %s: at most %s — %s\n", c.On, c.Grade, c.Reason)
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "How to fix")
			keys := make([]string, 0, len(m.Remediation))
			for _, k := range criteria.AllRemediationKeys() {
				if _, ok := m.Remediation[k]; ok {
					keys = append(keys, k)
				}
			}
			for _, k := range keys {
				fmt.Fprintf(w, "  %s:\n%s\n", k, indent(m.Remediation[k], "    "))
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, "References")
			for _, r := range m.References {
				fmt.Fprintf(w, "  - %s %s\n", r.Title, r.URL)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text|json")
	return cmd
}

func wrap(s string, width int, prefix string) string {
	words := strings.Fields(s)
	var lines []string
	cur := prefix
	for _, w := range words {
		if len(cur)+len(w)+1 > width+len(prefix) && strings.TrimSpace(cur) != "" {
			lines = append(lines, cur)
			cur = prefix
		}
		if strings.TrimSpace(cur) != "" {
			cur += " "
		}
		cur += w
	}
	if strings.TrimSpace(cur) != "" {
		lines = append(lines, cur)
	}
	if len(lines) == 0 {
		return prefix
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func newRenderCmd(stdout io.Writer) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "render REPORT.json...",
		Short: "Render saved JSON reports in another format (table, json, junit, sarif, html)",
		Long: `Render a saved JSON report in another format. With --format html, render
one or more reports as a static site into --out DIR: an index of every target,
a page per target and criterion, a badge per target, and the history of a
target scanned several times (reports of the same target with different
started_at).`,
		Example: "  imscore scan tls example.org:443 --format json -o r.json\n  imscore render r.json\n  imscore render monday.json tuesday.json --format html --out site",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("render needs a REPORT.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(formats, format) {
				return usageErr("unknown --format %q (want one of: %s)", format, strings.Join(formats, ", "))
			}
			if format == "html" {
				if out == "" {
					return usageErr("--format html writes a site: give its directory with --out DIR")
				}
				var reps []*report.Report
				for _, name := range args {
					rep, err := readReportFile(name)
					if err != nil {
						return err
					}
					reps = append(reps, rep)
				}
				if err := writeSite(reps, out, stdout); err != nil {
					return usageErr("%v", err)
				}
				return nil
			}
			if len(args) != 1 {
				return usageErr("render needs exactly one REPORT.json (several only with --format html)")
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			defer f.Close()
			rep, err := report.ReadJSON(f)
			if err != nil {
				return usageErr("%s: %v", args[0], err)
			}
			o := &scanOptions{format: format, out: out}
			return writeReport(rep, o, stdout)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: "+strings.Join(formats, "|"))
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of standard output (--format html: the site's directory)")
	cmd.Flags().StringVar(&out, "out", "", "same as --output (DESIGN.md spelling)")
	return cmd
}

// areaIDs lists the areas of criteria/areas.yaml.
func areaIDs() []string {
	var ids []string
	for _, a := range criteria.Areas() {
		ids = append(ids, a.ID)
	}
	return ids
}
