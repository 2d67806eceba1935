// Command demo-matrix is the Dendrite helper of scripts/demo (part of the
// demo, not of imscore): it renders a Dendrite configuration from
// fixtures/dendrite/dendrite.yaml.tmpl (the template the real-server tests
// use), waits until a started Dendrite answers, and registers the demo's
// scan account by shared-secret registration. Every request goes to
// 127.0.0.1.
//
//	demo-matrix config -dir DIR -server-name NAME [-well-known-server HOST:PORT]
//	        [-well-known-client URL] [-open] [-no-rate-limit] [-shared-secret S]
//	        [-default-room-version V]            # writes DIR/dendrite.yaml
//	demo-matrix wait -http 127.0.0.1:PORT [-timeout 60s]
//	demo-matrix register -http 127.0.0.1:PORT -secret S -user NAME -password-file F
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/imscore/imscore/fixtures/dendrite"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: demo-matrix config|wait|register ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "config":
		err = config(os.Args[2:])
	case "wait":
		err = wait(os.Args[2:])
	case "register":
		err = register(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-matrix:", err)
		os.Exit(1)
	}
}

func config(args []string) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for the configuration, key and data")
	name := fs.String("server-name", "", "Matrix server name")
	wkServer := fs.String("well-known-server", "", "m.server Dendrite serves at /.well-known/matrix/server")
	wkClient := fs.String("well-known-client", "", "base URL Dendrite serves at /.well-known/matrix/client")
	open := fs.Bool("open", false, "open registration (start Dendrite with -really-enable-open-registration) and guests")
	noRate := fs.Bool("no-rate-limit", false, "turn client_api.rate_limiting off")
	secret := fs.String("shared-secret", "", "registration_shared_secret")
	roomVersion := fs.String("default-room-version", "", "room_server.default_room_version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *name == "" {
		return errors.New("config needs -dir and -server-name")
	}
	data := filepath.Join(*dir, "data")
	for _, d := range []string{"db", "jetstream", "media"} {
		if err := os.MkdirAll(filepath.Join(data, d), 0o755); err != nil {
			return err
		}
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	id := strings.NewReplacer("-", "", "_", "").Replace(base64.RawURLEncoding.EncodeToString(key.Public().(ed25519.PublicKey)))
	keyFile := filepath.Join(*dir, "matrix_key.pem")
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "MATRIX PRIVATE KEY", Headers: map[string]string{"Key-ID": "ed25519:" + id[:6]}, Bytes: key.Seed()})
	if err := os.WriteFile(keyFile, pemKey, 0o600); err != nil {
		return err
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	tmpl, err := template.New("dendrite.yaml.tmpl").Funcs(template.FuncMap{
		"q":    q,
		"join": func(a, b string) string { return filepath.Join(a, b) },
		"db":   func(dir, name string) string { return "file:" + filepath.Join(dir, "db", name+".db") },
	}).ParseFS(dendrite.Templates, "dendrite.yaml.tmpl")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, map[string]any{
		"ServerName": *name, "KeyFile": keyFile, "KeyValidity": "168h0m0s",
		"WellKnownServerName": *wkServer, "WellKnownClientName": *wkClient, "DisableFederation": false,
		"Dir": data, "RegistrationDisabled": !*open, "GuestsDisabled": !*open,
		"RegistrationSharedSecret": *secret, "RegistrationRequiresToken": false,
		"RateLimiting": !*noRate, "RateLimitThreshold": 5, "DefaultRoomVersion": *roomVersion, "LogLevel": "warn",
	}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dir, "dendrite.yaml"), b.Bytes(), 0o600)
}

// loopback refuses any address but 127.0.0.1:PORT.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" {
		return fmt.Errorf("%q: want 127.0.0.1:PORT", addr)
	}
	return nil
}

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != 200 {
		return errors.New(resp.Status)
	}
	return nil
}

// wait polls the plain-HTTP listener until the client API and the key
// endpoint answer 200.
func wait(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	addr := fs.String("http", "", "Dendrite's plain-HTTP listener, 127.0.0.1:PORT")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*addr); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var last error
	for {
		last = get("http://" + *addr + "/_matrix/client/versions")
		if last == nil {
			last = get("http://" + *addr + "/_matrix/key/v2/server")
		}
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dendrite on %s not ready after %s: %v", *addr, *timeout, last)
		case <-t.C:
		}
	}
}

// register creates an account by shared-secret registration
// (/_synapse/admin/v1/register), which works with registration closed.
func register(args []string) error {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	addr := fs.String("http", "", "Dendrite's plain-HTTP listener, 127.0.0.1:PORT")
	secret := fs.String("secret", "", "registration_shared_secret")
	user := fs.String("user", "", "localpart")
	pwFile := fs.String("password-file", "", "file holding the password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*addr); err != nil {
		return err
	}
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		return err
	}
	password := strings.TrimRight(string(pw), "\r\n")
	base := "http://" + *addr + "/_synapse/admin/v1/register"
	resp, err := client.Get(base)
	if err != nil {
		return err
	}
	var n struct {
		Nonce string `json:"nonce"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&n)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("nonce: %v", err)
	}
	mac := hmac.New(sha1.New, []byte(*secret))
	mac.Write([]byte(strings.Join([]string{n.Nonce, *user, password, "notadmin"}, "\x00")))
	body, _ := json.Marshal(map[string]any{"nonce": n.Nonce, "username": *user, "password": password, "admin": false, "mac": hex.EncodeToString(mac.Sum(nil))})
	resp, err = client.Post(base, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != 200 {
		return fmt.Errorf("register %s: %s", *user, resp.Status)
	}
	return nil
}
