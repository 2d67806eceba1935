package cli

import (
	"strconv"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

func assembleForBench(res probes.Results) (*report.Report, error) {
	return criteria.Assemble("tls", report.Target{Kind: "tls", Name: "bench"}, res, report.Tool{Name: "imscore"}, time.Now(), 0)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
