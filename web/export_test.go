package web

import "github.com/imscore/imscore/criteria"

type criteriaMeta = criteria.Meta

func allCriteria() ([]criteria.Meta, error) { return criteria.All() }
