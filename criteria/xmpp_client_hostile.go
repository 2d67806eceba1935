package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// The hostile-server criteria of the client tester
// (xmpp_client_hostile.yaml): XML bombs, forged carbons and archive
// results, and what the client tells the server about itself.

var clientHostileTable = []binding{
	{"xmpp.client.xml-hardening", evalClientXMLHardening},
	{"xmpp.client.carbon-spoofing", evalClientCarbonSpoofing},
	{"xmpp.client.mam-spoofing", evalClientMAMSpoofing},
	{"xmpp.client.metadata", evalClientMetadata},
}

// continued: the client went on with the protocol after the tester's first
// features (asked for STARTTLS, authenticated).
func continued(s *clienttest.Session) bool {
	return s.StartTLS || len(s.Auths) > 0 || s.TLS != nil
}

func xmlScenario(in Input, id, what string) Verdict {
	s := clientScenario(in, id)
	controlOK, control := clientControl(in)
	return s.perSession(func(sess *clienttest.Session, ev []probes.Evidence) Verdict {
		switch {
		case !sess.Header || !sess.HostileSent:
			why := "the client never opened an XMPP stream"
			if sess.Header {
				why = "the client left before the tester's payload went out"
			}
			return Verdict{Status: report.Error, Evidence: ev,
				Summary: "Could not be measured in scenario " + id + ": " + why + " (" + clientLeftBy(sess) + ")."}
		case continued(sess):
			took := ""
			if sess.OversizeSent > 0 {
				took = fmt.Sprintf(" (it read all %d MiB)", sess.OversizeSent>>20)
			}
			return Verdict{Status: report.Warn, Evidence: ev,
				Summary: "Sent " + what + ", the client carried on with the stream" + took + ": it accepts what RFC 6120 §11 tells it to refuse, though it survived."}
		case cutShort(sess):
			return cutVerdict(s, sess, ev)
		case clientGone(sess) && !controlOK:
			return Verdict{Status: report.Error, Evidence: ev,
				Summary: "Could not be measured in scenario " + id + ": the client hung up after " + what + ", but " + strings.TrimPrefix(control.Summary, "Could not be measured: ")}
		case clientGone(sess):
			return Verdict{Status: report.Pass, Evidence: ev,
				Summary: "Sent " + what + ", the client ended the session (" + clientLeftBy(sess) + ")."}
		default:
			took := ""
			if sess.OversizeSent > 0 {
				took = fmt.Sprintf(" (%d KiB of it could be sent)", sess.OversizeSent>>10)
			}
			return Verdict{Status: report.Fail, Evidence: ev,
				Summary: "Sent " + what + ", the client neither refused nor went on" + took + ": " + clientLeftBy(sess) + " (stuck expanding or buffering it; a hostile server can hang it)."}
		}
	})
}

func evalClientXMLHardening(in Input) Verdict {
	return clientWorst(
		xmlScenario(in, "xml-entity-bomb", "a DTD whose entities expand to 3 GB"),
		xmlScenario(in, "xml-oversized", "an 8 MiB element"),
	)
}

// forgery judges what the client did with a forged stanza after login.
func forgery(in Input, id, what string) Verdict {
	s := clientScenario(in, id)
	return s.perSession(func(sess *clienttest.Session, ev []probes.Evidence) Verdict {
		switch {
		case sess.Bound == "":
			return Verdict{Status: report.Error, Evidence: ev,
				Summary: "Could not be measured: the client did not log in in scenario " + id + " (" + clientLeftBy(sess) + ")."}
		case len(sess.Injected) == 0 && sess.EndBy == clienttest.EndDeadline:
			return Verdict{Status: report.Error, Evidence: ev,
				Summary: "Could not be measured: the client logged in too late for the forged stanza before the scenario's deadline (" + clientLeftBy(sess) + "); a longer --scenario-timeout helps."}
		case len(sess.Injected) == 0:
			return Verdict{Status: report.Error, Evidence: ev,
				Summary: "Could not be measured: the client left before the forged stanza was sent (" + clientLeftBy(sess) + ")."}
		case len(sess.Reactions) > 0:
			return Verdict{Status: report.Fail, Evidence: ev,
				Summary: "The client treated " + what + " as a real message: it answered it (" + clientClip(sess.Reactions[0], 200) + ")."}
		case cutShort(sess):
			return cutVerdict(s, sess, ev)
		default:
			next := fmt.Sprintf("it sent %d more element(s) and no reply, receipt or marker for it", sess.SentAfterInjection)
			if sess.LeftAfterInjection {
				next = "it then ended the session (" + sess.End + ")"
			}
			return Verdict{Status: report.Info, Evidence: ev,
				Summary: "The server sees no reaction to " + what + " (" + next + "). Check the client's display: a safe client shows no message from boss@" + s.r.Domain + "."}
		}
	})
}

func evalClientCarbonSpoofing(in Input) Verdict {
	return forgery(in, "carbon-forged", "a carbon copy from a foreign JID")
}

func evalClientMAMSpoofing(in Input) Verdict {
	return forgery(in, "mam-forged", "an archive result from a foreign JID")
}

func evalClientMetadata(in Input) Verdict {
	s := clientScenario(in, "login")
	if !s.connected() {
		return s.unjudged()
	}
	var sess *clienttest.Session
	for _, x := range s.sessions() {
		if x.Bound != "" {
			sess = x
			break
		}
	}
	if sess == nil {
		return Verdict{Status: report.Error, Evidence: s.evidence(),
			Summary: "Could not be measured: the client did not log in in scenario login (" + clientFirstEnd(s) + ")."}
	}
	var told []string
	if i := strings.LastIndex(sess.Bound, "/"); i >= 0 {
		told = append(told, "resource "+fmt.Sprintf("%q", sess.Bound[i+1:]))
	}
	if sess.Caps != "" {
		told = append(told, "caps node "+sess.Caps)
	}
	v := sess.Version
	switch {
	case v == nil:
		return Verdict{Status: report.Error, Evidence: s.evidence(),
			Summary: "Could not be measured: the client did not answer the software-version query (XEP-0092) before the session ended; it told the server: " + strings.Join(told, ", ") + "."}
	case !v.Answered && cutShort(sess):
		return cutVerdict(s, sess, nil)
	case !v.Answered || (v.Version == "" && v.OS == ""):
		return Verdict{Status: report.Pass, Evidence: s.evidence(),
			Summary: "The client does not disclose its version or operating system on request (XEP-0092). Unasked it told the server: " + strings.Join(told, ", ") + "."}
	}
	disclosed := fmt.Sprintf("name %q, version %q", v.Name, v.Version)
	if v.OS != "" {
		disclosed += fmt.Sprintf(", operating system %q", v.OS)
	}
	return Verdict{Status: report.Warn, Evidence: s.evidence(),
		Summary: "On request (XEP-0092) the client discloses its " + disclosed + " to the server (and to any contact who asks). Unasked it told the server: " + strings.Join(told, ", ") + "."}
}
