// Package batch scans many targets in one run (`imscore batch`): an
// observatory of XMPP and Matrix servers.
//
// The pieces, each in a file of its own:
//
//   - Lists (list.go, providers.go, joinmatrix.go): the targets, from a
//     text list (xmpp:DOMAIN, matrix:SERVER_NAME, tls:HOST:PORT, one a
//     line), the XMPP Providers project's providers.json or joinmatrix's
//     servers.json. Lists are untrusted input: every entry is checked, a
//     bad one is an error naming its line, and the size is bounded. What a
//     list states that imscore measures (registration open, software,
//     upload size, the IM Observatory ratings, CAPTCHA and e-mail) comes
//     along as claims (claims.go compares them with the report), and the
//     XMPP Providers' serverTesting consent decides whether a provider is
//     scanned at all.
//   - Credentials (credentials.go): --account per target from a file, with
//     --active only where the file says so; passwords stay in
//     probes.Credentials, which never prints them.
//   - Politeness (polite.go): one Pool shared by the Env of every scan. It
//     wraps each scan's dialer and holds a per-IP-address semaphore for the
//     life of each connection (at most --per-address connections to one
//     address at a time, counted across all targets). Where a scan may
//     connect is the scan's guard's decision alone (probes.Scope): Run
//     marks each scan's Scope Listed, so a list's target gets no exemption
//     for its own internal addresses and a hostile list cannot point the
//     batch at the network it runs in unless --allow-private. The guard
//     sits in front of the Pool and decides on the address dialled before
//     a slot is taken.
//   - Scheduling (schedule.go): at most --concurrency scans at once, a
//     minimum gap between two scans of one domain, and at most --rate scan
//     starts per second.
//   - The store (store.go): the output directory — one JSON file per
//     target (its report, or a small record of why it was not scanned),
//     written atomically, and index.jsonl, one report.BatchEntry a line.
//     A second run skips targets whose file is younger than --max-age, so
//     an interrupted run goes on where it stopped; reports are streamed to
//     disk, never held.
//   - Shards and merging (shard.go, merge.go): --shard i/n picks a
//     deterministic part of the list by a hash of each target, so a CI
//     matrix or indexed jobs scale a batch past one machine; Merge joins
//     the shards' directories.
//   - Run (engine.go) ties them together: each target's spec (its protocol
//     package's ScanSpec) runs through scan.Run under its own timeout.
//
// Flags, progress on a terminal, the summary's format and exit codes stay in
// cmd/cli; the summary renderers are in package report, the observatory
// pages in package web.
package batch
