# shellcheck shell=bash
# kube-ovn topology pieces on top of the default VPC (router ovn-cluster with ovn-default
# 10.16.0.0/16 and join 100.64.0.0/16), for the tests, the benchmarks and scripts/demo.sh.
# Sourced by tests/integration/lib.sh and scripts/bench_lib.sh; uses the caller's nbctl and
# fail.

# A second pod subnet: switch subnet2 (10.17.0.0/16) on ovn-cluster, router port 10.17.0.1.
kube_ovn_subnet2() {
	nbctl ls-add subnet2 -- set logical_switch subnet2 other_config:subnet=10.17.0.0/16 &&
		nbctl lrp-add ovn-cluster ovn-cluster-subnet2 00:00:00:a1:00:03 10.17.0.1/16 &&
		nbctl lsp-add subnet2 subnet2-ovn-cluster -- lsp-set-type subnet2-ovn-cluster router \
			-- lsp-set-addresses subnet2-ovn-cluster router \
			-- lsp-set-options subnet2-ovn-cluster router-port=ovn-cluster-subnet2 ||
		fail "second subnet"
}

# The benchmarks' pods: pod1 (port security) and pod2 on ovn-default, pod3 on subnet2.
kube_ovn_pods3() {
	nbctl lsp-add ovn-default pod1 -- lsp-set-addresses pod1 "00:00:00:00:01:01 10.16.0.11" \
		-- lsp-set-port-security pod1 "00:00:00:00:01:01 10.16.0.11" &&
		nbctl lsp-add ovn-default pod2 -- lsp-set-addresses pod2 "00:00:00:00:01:02 10.16.0.12" &&
		nbctl lsp-add subnet2 pod3 -- lsp-set-addresses pod3 "00:00:00:00:02:01 10.17.0.11" ||
		fail "pods"
}
