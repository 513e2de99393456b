package model

import (
	"sort"
	"strings"
)

// Redacted replaces a secret in text that is logged, stored or answered.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest secret a Redactor replaces: a shorter one
// would match ordinary words and mangle the text more than it protects.
const minSecretLen = 4

// Redactor replaces known secrets (provider keys and header values, proxy
// keys, the admin token) in text. The zero value and nil redact nothing.
// It is immutable and safe for concurrent use.
type Redactor struct {
	r *strings.Replacer
}

// NewRedactor returns a Redactor for secrets; empty, duplicate and too
// short (under 4 characters) ones are ignored.
func NewRedactor(secrets ...string) *Redactor {
	seen := make(map[string]bool, len(secrets))
	var list []string
	for _, s := range secrets {
		if len(s) < minSecretLen || seen[s] {
			continue
		}
		seen[s] = true
		list = append(list, s)
	}
	if len(list) == 0 {
		return &Redactor{}
	}
	// strings.Replacer tries its old strings in argument order at each
	// position: longest first, so a secret that contains another is
	// replaced whole, not leaving its tail visible.
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Redacted)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every known secret replaced by Redacted.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil || s == "" {
		return s
	}
	return r.r.Replace(s)
}
