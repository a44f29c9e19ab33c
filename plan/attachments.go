package plan

import "github.com/returnpath-dev/returnpath/internal/planjson"

// Workloads placed through another resource: an instance through the
// network interfaces it attaches, an Aurora instance through its cluster.

// instanceInterfaces lists the network interfaces an instance attaches in
// network_interface blocks when it names no subnet_id itself: the instance
// lives where they are. nil when the instance is placed by subnet_id. Link
// errors go to errs when it is not nil.
func (b *builder) instanceInterfaces(inst *instance, v *planjson.PlacementValues, errs *links) []*instance {
	if len(v.NetworkInterface) == 0 || deref(v.SubnetID) != "" || (inst.Config != nil && written(inst, "subnet_id")) {
		return nil
	}
	l := b.newLinks(typeENI)
	for i, ni := range v.NetworkInterface {
		l.nested(inst, "network_interface", i, "network_interface_id", ni.NetworkInterfaceID)
	}
	found, err := l.result()
	if errs != nil {
		errs.add(nil, err)
	}
	if found == nil {
		found = []*instance{}
	}
	return found
}

// attachedInterfaces are the network interfaces that instances of the plan
// attach: each is placed as its instance, not on its own.
func (b *builder) attachedInterfaces() map[*instance]bool {
	attached := map[*instance]bool{}
	for _, inst := range b.ofType(typeInstance) {
		var v planjson.PlacementValues
		if b.decode(inst, &v) != nil {
			continue
		}
		for _, eni := range b.instanceInterfaces(inst, &v, nil) {
			attached[eni] = true
		}
	}
	return attached
}

// clusterOf links an aws_rds_cluster_instance to its aws_rds_cluster, by
// cluster_identifier.
func (b *builder) clusterOf(inst *instance, v *planjson.PlacementValues, errs *links) []*instance {
	l := b.newLinks(typeRDSCluster)
	if id := deref(v.ClusterIdentifier); id != "" {
		for _, c := range b.ofType(typeRDSCluster) {
			var cv struct {
				ID                *string `json:"id"`
				ClusterIdentifier *string `json:"cluster_identifier"`
			}
			if b.dec.Values(string(c.Address), c.Values, &cv) == nil && (deref(cv.ClusterIdentifier) == id || deref(cv.ID) == id) {
				l.found = append(l.found, c)
			}
		}
	} else {
		l.attr(inst, "cluster_identifier")
	}
	found, err := l.result()
	if errs != nil {
		errs.add(nil, err)
	}
	return found
}
