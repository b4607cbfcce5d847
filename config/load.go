package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override: the YAML path in upper case
// joined by underscores, e.g. GREPTIME_BRIDGE_GREPTIMEDB_PASSWORD or
// GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL. Lists are comma-separated.
const EnvPrefix = "GREPTIME_BRIDGE_"

// Load reads the YAML file at path (none when path is empty) over the
// defaults, then applies environment overrides from environ (os.Environ()
// form). It does not validate; call Validate.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("cannot read config file: %w", err)
		}
		if err := Parse(data, &cfg); err != nil {
			return cfg, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := ApplyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Parse decodes YAML into cfg, refusing unknown fields. An empty document
// leaves cfg unchanged.
func Parse(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// ApplyEnv sets the fields named by GREPTIME_BRIDGE_* variables. Maps cannot
// be set this way; an unknown variable or an unparsable value is an error.
func ApplyEnv(cfg *Config, environ []string) error {
	fields := map[string]reflect.Value{}
	collectEnvFields(reflect.ValueOf(cfg).Elem(), strings.TrimSuffix(EnvPrefix, "_"), fields)
	var errs []error
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		f, known := fields[name]
		if !known {
			errs = append(errs, fmt.Errorf("environment variable %s names no configuration field", name))
			continue
		}
		if err := setFromString(f, value); err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

func collectEnvFields(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fv := v.Field(i)
		if sf.Type.Kind() == reflect.Struct {
			collectEnvFields(fv, name, out)
			continue
		}
		if sf.Type.Kind() == reflect.Map {
			continue
		}
		out[name] = fv
	}
}

var durationType = reflect.TypeOf(time.Duration(0))

func setFromString(f reflect.Value, s string) error {
	// A type that reads itself from text does so, as from YAML: enumerated
	// settings, and a bare bearer token.
	if f.CanAddr() {
		if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
			return u.UnmarshalText([]byte(s))
		}
	}
	if f.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		f.SetInt(n)
	case reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		if err := setFromString(p.Elem(), s); err != nil {
			return err
		}
		f.Set(p)
	case reflect.Slice:
		var parts []string
		if s != "" {
			parts = strings.Split(s, ",")
		}
		sl := reflect.MakeSlice(f.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setFromString(sl.Index(i), strings.TrimSpace(p)); err != nil {
				return err
			}
		}
		f.Set(sl)
	default:
		return fmt.Errorf("unsupported field kind %s", f.Kind())
	}
	return nil
}
