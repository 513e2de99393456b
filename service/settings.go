package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/proxy"
)

// Setting defaults and ranges (API.md §3 settings).
const (
	defaultMaxBodyBytes         = 50 << 20 // several base64 images fit; a runaway client does not
	minMaxBodyBytes             = 1 << 10
	maxMaxBodyBytes             = 1 << 30
	defaultLogRetentionDays     = 7
	defaultLogRetentionRows     = 100_000 // the last 100,000 requests
	minLogRetentionRows         = 100
	maxLogRetentionRows         = 10_000_000
	defaultHistoryRetentionDays = 30 // the health chart looks back 24h; a month shows trends
	maxRetentionDays            = 3650
	maxProxyKeys                = 100
	minMaxBufferedBytes         = 1 << 20 // below it a single ordinary request could not be held
	maxMaxBufferedBytes         = 64 << 30
	maxCORSOrigins              = 100
)

// DefaultSettings are the settings of a new installation.
func DefaultSettings() model.Settings {
	return model.Settings{
		ProxyKeys:            []string{},
		CORSOrigins:          []string{},
		MaxBodyBytes:         defaultMaxBodyBytes,
		LogRetentionDays:     defaultLogRetentionDays,
		LogRetentionRows:     defaultLogRetentionRows,
		HistoryRetentionDays: defaultHistoryRetentionDays,
		MaxBufferedBytes:     proxy.DefaultMaxBufferedBytes,
		LogBodies:            true,
	}
}

// loadSettings reads the stored settings over the defaults, so a setting
// added by a newer version has its default until written.
func (s *Service) loadSettings(ctx context.Context) (model.Settings, error) {
	st, err := s.storage()
	if err != nil {
		return model.Settings{}, err
	}
	raw, err := st.Settings(ctx)
	if err != nil {
		return model.Settings{}, err
	}
	// A stored setting that does not decode or is out of range falls back
	// to its default (with one warning): a bad value must not stop the
	// server from starting, and the next write stores a valid one.
	out := DefaultSettings()
	for name, dst := range settingFields(&out) {
		if v, ok := raw[name]; ok {
			if err := json.Unmarshal([]byte(v), dst); err != nil {
				s.warnOnce("setting:"+name, v, "stored setting is unreadable; using its default", "setting", name, "err", err)
				resetSetting(&out, name)
			}
		}
	}
	// An installation from before max_buffered_bytes may have raised
	// max_body_bytes past the default total; the total then follows it, or
	// every later settings change would be refused for a value never set.
	if _, ok := raw["max_buffered_bytes"]; !ok && out.MaxBufferedBytes < out.MaxBodyBytes {
		out.MaxBufferedBytes = out.MaxBodyBytes
	}
	for range len(raw) + maxProxyKeys + maxCORSOrigins + 1 {
		err := validateSettings(out, "")
		var ve *model.ValidationError
		if err == nil || !errors.As(err, &ve) {
			break
		}
		name, index, isItem := strings.Cut(ve.Field, "[")
		// One bad proxy key drops that key only: resetting the list would
		// open the proxy to everyone.
		if i, err := strconv.Atoi(strings.TrimSuffix(index, "]")); isItem && err == nil {
			s.warnOnce("setting:"+ve.Field, raw[name], "stored setting has an invalid entry; ignoring that entry", "setting", ve.Field, "reason", ve.Message)
			switch name {
			case "proxy_keys":
				out.ProxyKeys = slices.Delete(slices.Clone(out.ProxyKeys), i, i+1)
				continue
			case "cors_origins":
				out.CORSOrigins = slices.Delete(slices.Clone(out.CORSOrigins), i, i+1)
				continue
			}
		}
		s.warnOnce("setting:"+name, raw[name], "stored setting is invalid; using its default", "setting", name, "reason", ve.Message)
		if !resetSetting(&out, name) {
			out = DefaultSettings() // cannot happen: every field names a setting
			break
		}
	}
	if err := validateSettings(out, ""); err != nil {
		s.warnOnce("settings", err.Error(), "stored settings are invalid together; using the defaults", "reason", err.Error())
		out = DefaultSettings()
	}
	return out, nil
}

// resetSetting sets the setting name of st to its default; it reports
// whether name is a setting.
func resetSetting(st *model.Settings, name string) bool {
	def := DefaultSettings()
	dst, ok := settingFields(st)[name]
	if !ok {
		return false
	}
	src := settingFields(&def)[name]
	b, _ := json.Marshal(src)
	_ = json.Unmarshal(b, dst)
	return true
}

// settingFields maps each stored setting name to its field in s.
func settingFields(s *model.Settings) map[string]any {
	return map[string]any{
		"proxy_keys":             &s.ProxyKeys,
		"cors_origins":           &s.CORSOrigins,
		"max_body_bytes":         &s.MaxBodyBytes,
		"log_retention_days":     &s.LogRetentionDays,
		"log_retention_rows":     &s.LogRetentionRows,
		"history_retention_days": &s.HistoryRetentionDays,
		"max_buffered_bytes":     &s.MaxBufferedBytes,
		"log_bodies":             &s.LogBodies,
	}
}

// encodeSettings is the stored form of s.
func encodeSettings(s model.Settings) (map[string]string, error) {
	out := map[string]string{}
	for name, v := range settingFields(&s) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[name] = string(b)
	}
	return out, nil
}

// Settings returns the settings with proxy keys masked.
func (s *Service) Settings(ctx context.Context) (model.Settings, error) {
	cur, err := s.loadSettings(ctx)
	if err != nil {
		return cur, err
	}
	return maskSettings(cur), nil
}

func maskSettings(st model.Settings) model.Settings {
	keys := make([]string, len(st.ProxyKeys))
	for i, k := range st.ProxyKeys {
		keys[i] = mask(k)
	}
	st.ProxyKeys = keys
	return st
}

// applySettings copies the present fields of in onto cur. A proxy key sent
// back in its masked form keeps the stored key it masks.
func applySettings(cur model.Settings, in model.SettingsInput) model.Settings {
	if in.ProxyKeys != nil {
		// Several stored keys can share a mask (same last characters):
		// each masked value sent back stands for the next of them in
		// stored order, so a GET sent back unchanged keeps every key.
		byMask := map[string][]string{}
		for _, k := range cur.ProxyKeys {
			byMask[mask(k)] = append(byMask[mask(k)], k)
		}
		keys := make([]string, 0, len(*in.ProxyKeys))
		for _, k := range *in.ProxyKeys {
			if reals := byMask[k]; len(reals) > 0 && strings.HasPrefix(k, maskPrefix) {
				k, byMask[k] = reals[0], reals[1:]
			}
			keys = append(keys, k)
		}
		cur.ProxyKeys = keys
	}
	if in.CORSOrigins != nil {
		cur.CORSOrigins = *in.CORSOrigins
	}
	if in.MaxBodyBytes != nil {
		cur.MaxBodyBytes = *in.MaxBodyBytes
	}
	if in.LogRetentionDays != nil {
		cur.LogRetentionDays = *in.LogRetentionDays
	}
	if in.LogRetentionRows != nil {
		cur.LogRetentionRows = *in.LogRetentionRows
	}
	if in.HistoryRetentionDays != nil {
		cur.HistoryRetentionDays = *in.HistoryRetentionDays
	}
	if in.MaxBufferedBytes != nil {
		cur.MaxBufferedBytes = *in.MaxBufferedBytes
	}
	if in.LogBodies != nil {
		cur.LogBodies = *in.LogBodies
	}
	if cur.ProxyKeys == nil {
		cur.ProxyKeys = []string{}
	}
	if cur.CORSOrigins == nil {
		cur.CORSOrigins = []string{}
	}
	return cur
}

func validateSettings(st model.Settings, prefix string) error {
	if len(st.ProxyKeys) > maxProxyKeys {
		return model.Invalid(prefix+"proxy_keys", "at most %d keys, got %d", maxProxyKeys, len(st.ProxyKeys))
	}
	seen := map[string]bool{}
	for i, k := range st.ProxyKeys {
		field := fmt.Sprintf("%sproxy_keys[%d]", prefix, i)
		if k == "" {
			return model.Invalid(field, "must not be empty")
		}
		if err := validateSecret(field, k); err != nil {
			return err
		}
		if seen[k] {
			return model.Invalid(field, "is listed twice")
		}
		seen[k] = true
	}
	if len(st.CORSOrigins) > maxCORSOrigins {
		return model.Invalid(prefix+"cors_origins", "at most %d origins, got %d", maxCORSOrigins, len(st.CORSOrigins))
	}
	for i, o := range st.CORSOrigins {
		if err := validateOrigin(o); err != nil {
			return model.Invalid(fmt.Sprintf("%scors_origins[%d]", prefix, i), "%v", err)
		}
	}
	for _, r := range []struct {
		field     string
		v, lo, hi int64
	}{
		{"max_body_bytes", st.MaxBodyBytes, minMaxBodyBytes, maxMaxBodyBytes},
		{"log_retention_days", int64(st.LogRetentionDays), 1, maxRetentionDays},
		{"log_retention_rows", int64(st.LogRetentionRows), minLogRetentionRows, maxLogRetentionRows},
		{"history_retention_days", int64(st.HistoryRetentionDays), 1, maxRetentionDays},
	} {
		if r.v < r.lo || r.v > r.hi {
			return model.Invalid(prefix+r.field, "must be %d..%d, got %d", r.lo, r.hi, r.v)
		}
	}
	if v := st.MaxBufferedBytes; v < minMaxBufferedBytes || v > maxMaxBufferedBytes {
		return model.Invalid(prefix+"max_buffered_bytes", "must be %d..%d bytes (1 MiB..64 GiB), got %d", int64(minMaxBufferedBytes), int64(maxMaxBufferedBytes), v)
	}
	// The total must hold at least one request of the largest allowed size,
	// or such a request could never be served.
	if st.MaxBufferedBytes < st.MaxBodyBytes {
		return model.Invalid(prefix+"max_buffered_bytes", "must be at least max_body_bytes (%d) and at most %d bytes (64 GiB), got %d", st.MaxBodyBytes, int64(maxMaxBufferedBytes), st.MaxBufferedBytes)
	}
	return nil
}

// validateOrigin accepts a browser origin: scheme://host[:port] and
// nothing else. A wildcard is refused: any web page could then spend the
// user's provider keys through the proxy.
func validateOrigin(o string) error {
	if o == "*" {
		return fmt.Errorf("\"*\" is not allowed (any web page could then use your providers through Sluicegate); list each origin")
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("must be an origin like https://app.example.com or http://localhost:3000, got %q", o)
	}
	return nil
}

// UpdateSettings validates and stores a settings change; absent fields
// keep their values.
func (s *Service) UpdateSettings(ctx context.Context, in model.SettingsInput) (model.Settings, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur, err := s.loadSettings(ctx)
	if err != nil {
		return cur, err
	}
	next := applySettings(cur, in)
	if err := validateSettings(next, ""); err != nil {
		return model.Settings{}, err
	}
	enc, err := encodeSettings(next)
	if err != nil {
		return model.Settings{}, err
	}
	st, err := s.storage()
	if err != nil {
		return model.Settings{}, err
	}
	if err := st.PutSettings(ctx, enc); err != nil {
		return model.Settings{}, err
	}
	if err := s.refreshRoutes(ctx); err != nil {
		s.log.Error("route table not refreshed after a settings change", "err", err)
	}
	return maskSettings(next), nil
}
