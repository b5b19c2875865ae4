package importer

import "time"

// SetBulkTurnPatience makes a batch ask for the join turn for d before it queues, until
// restore is called.
func SetBulkTurnPatience(d time.Duration) (restore func()) {
	old := bulkTurnPatience
	bulkTurnPatience = d
	return func() { bulkTurnPatience = old }
}
