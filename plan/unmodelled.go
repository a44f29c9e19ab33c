package plan

import "slices"

// unmodelledWorkloads are resource types that put network interfaces in
// subnets of a VPC, whose placement returnpath does not read: each one in
// a plan is named in an RP008 notice, so that "0 errors" never hides a
// workload that was not checked.
var unmodelledWorkloads = []string{
	"aws_apprunner_vpc_connector",
	"aws_batch_compute_environment",
	"aws_codebuild_project",
	"aws_directory_service_directory",
	"aws_dms_replication_instance",
	"aws_docdb_cluster",
	"aws_docdb_cluster_instance",
	"aws_ec2_client_vpn_network_association",
	"aws_eks_fargate_profile",
	"aws_elasticsearch_domain",
	"aws_emr_cluster",
	"aws_fsx_lustre_file_system",
	"aws_fsx_ontap_file_system",
	"aws_fsx_openzfs_file_system",
	"aws_fsx_windows_file_system",
	"aws_memorydb_cluster",
	"aws_mq_broker",
	"aws_msk_cluster",
	"aws_mwaa_environment",
	"aws_neptune_cluster",
	"aws_neptune_cluster_instance",
	"aws_opensearch_domain",
	"aws_redshift_cluster",
	"aws_sagemaker_domain",
	"aws_transfer_server",
}

func unmodelledWorkload(typ string) bool {
	_, found := slices.BinarySearch(unmodelledWorkloads, typ)
	return found
}

// nameUnmodelled gives each workload the model does not place a notice.
func (b *builder) nameUnmodelled() error {
	for _, inst := range b.instances {
		if unmodelledWorkload(inst.Type) {
			b.informational(inst.Address, "%s places network interfaces in subnets, which returnpath does not model: its traffic is not checked against network ACLs", inst.Type)
		}
	}
	return nil
}
