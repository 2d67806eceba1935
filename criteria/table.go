package criteria

import "sync"

// binding ties a criterion ID to its evaluator.
type binding struct {
	ID   string
	Eval Evaluator
}

// concern is one kind of criteria, kept together in three files:
// NAME.yaml (the metadata), NAME.go (the evaluators, bound by a []binding)
// and NAME_test.go (the table-test cases). The loader checks that the YAML
// file and the bindings name the same criteria.
type concern struct {
	Name     string
	Criteria []binding
}

// concerns lists every criteria file, the one explicit table of all
// criteria. Adding a criterion to a concern touches its three files; a new
// concern is also added here.
var concerns = []concern{
	{"tls", tlsCriteria},
	{"tls_cert", tlsCertCriteria},
	{"xmpp_dns", xmppDNSCriteria},
	{"xmpp_streams", xmppStreamCriteria},
	{"xmpp_registration", xmppRegistrationCriteria},
	{"xmpp_auth", xmppAuthCriteria},
	{"xmpp_features", xmppFeatureCriteria},
	{"xmpp_account", xmppAccountCriteria},
	{"xmpp_compliance", xmppComplianceCriteria},
	{"matrix_federation", matrixFederationCriteria},
	{"matrix_client", matrixClientCriteria},
	{"matrix_access", matrixAccessCriteria},
	{"matrix_account", matrixAccountCriteria},
	{"net", netCriteria},
	{"dns", dnsCriteria},
	{"software", softwareCriteria},
	{"xmpp_client_starttls", clientStartTLSTable},
	{"xmpp_client_tls", clientTLSTable},
	{"xmpp_client_auth", clientAuthTable},
	{"xmpp_client_hostile", clientHostileTable},
}

var (
	evaluatorsOnce sync.Once
	evaluators     map[string]Evaluator
)

// evaluatorFor returns the evaluator bound to criterion id.
func evaluatorFor(id string) (Evaluator, bool) {
	evaluatorsOnce.Do(func() {
		evaluators = map[string]Evaluator{}
		for _, c := range concerns {
			for _, b := range c.Criteria {
				evaluators[b.ID] = b.Eval
			}
		}
	})
	e, ok := evaluators[id]
	return e, ok
}
