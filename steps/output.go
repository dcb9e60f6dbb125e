package steps

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/meshtwin/meshtwin/script"
)

// ContainsLines reports whether the expected lines appear in got, in
// order (other lines may sit between them), each matched as by
// script.MatchOutput except that indentation is ignored, so a few lines of
// YAML can be looked for without their nesting.
func ContainsLines(got, want string) bool {
	g := outputLines(got)
	i := 0
	for _, wl := range outputLines(want) {
		if strings.TrimSpace(wl) == "" {
			continue
		}
		for i < len(g) && !lineMatches(wl, g[i]) {
			i++
		}
		if i == len(g) {
			return false
		}
		i++
	}
	return true
}

func outputLines(s string) []string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func lineMatches(want, got string) bool {
	ok, _ := script.MatchOutput(strings.TrimLeft(want, " \t"), strings.TrimLeft(got, " \t"))
	return ok
}

// ColumnValues reads the last kubectl table of an output (lines before
// its header, such as `pod/web created` from an earlier command of the
// same script, are skipped) and returns, for every row whose NAME (or,
// without a NAME column, first column) equals row (or, when row ends in
// `*`, starts with the rest), the value in the named column. Columns are
// located by their header's position, so headers of two words
// (NOMINATED NODE) work.
func ColumnValues(table, column, row string) (map[string]string, error) {
	lines := outputLines(table)
	if len(lines) == 0 {
		return nil, fmt.Errorf("expected a table with a %s column, got no output", column)
	}
	start := -1
	for i := len(lines) - 1; i >= 0 && start < 0; i-- {
		if !isHeader(lines[i]) {
			continue
		}
		for _, c := range headerColumns(lines[i]) {
			if c.title == column {
				start = i
			}
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("expected a table with a %s column, got none (first line: %q)", column, lines[0])
	}
	cols := headerColumns(lines[start])
	colIdx, nameIdx := -1, 0
	for i, c := range cols {
		if c.title == column {
			colIdx = i
		}
		if c.title == "NAME" {
			nameIdx = i
		}
	}
	prefix, isPrefix := strings.CutSuffix(row, "*")
	values := map[string]string{}
	var seen []string
	for _, line := range lines[start+1:] {
		if strings.TrimSpace(line) == "" {
			break
		}
		name := cell(line, cols, nameIdx)
		seen = append(seen, name)
		if name == row || (isPrefix && strings.HasPrefix(name, prefix)) {
			values[name] = cell(line, cols, colIdx)
		}
	}
	if len(values) == 0 {
		sort.Strings(seen)
		return nil, fmt.Errorf("expected a row for %q, got rows %s", row, strings.Join(seen, ", "))
	}
	return values, nil
}

// isHeader reports whether line looks like a kubectl table header: words
// in upper case.
func isHeader(line string) bool {
	return strings.TrimSpace(line) != "" && strings.ToUpper(line) == line && strings.IndexFunc(line, unicode.IsLetter) >= 0
}

type tableColumn struct {
	title string
	start int
}

// headerColumns splits a kubectl header on runs of two or more blanks.
func headerColumns(header string) []tableColumn {
	var cols []tableColumn
	i := 0
	for i < len(header) {
		for i < len(header) && header[i] == ' ' {
			i++
		}
		if i >= len(header) {
			break
		}
		start := i
		for i < len(header) && !(header[i] == ' ' && (i+1 >= len(header) || header[i+1] == ' ')) {
			i++
		}
		cols = append(cols, tableColumn{title: header[start:i], start: start})
	}
	return cols
}

// cell is the text of column idx in line: from the column's start to the
// next column's start, falling back to whitespace-separated words when
// the line is not aligned with the header.
func cell(line string, cols []tableColumn, idx int) string {
	start := cols[idx].start
	end := len(line)
	if idx+1 < len(cols) {
		end = min(cols[idx+1].start, len(line))
	}
	aligned := start < len(line) && (start == 0 || line[start-1] == ' ') && line[start] != ' '
	if aligned {
		return strings.TrimSpace(line[start:end])
	}
	fields := strings.Fields(line)
	if idx < len(fields) {
		return fields[idx]
	}
	return ""
}
