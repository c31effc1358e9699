//! Rules of the deployment as a whole: roles per pattern, the load balancers several nodes
//! need, and what the Key Managers allow (Thrift, embedded LDAP, encrypted keys).
use super::{load_balancers, roles, sync};
use crate::diagnostic::Problems;
use crate::model::{Deployment, KeySharing, KmClient, Role, UserStore};
use crate::topology::{sync_source, LoadBalancerId, SyncGroupId};

/// Every rule, in the order the report lists its problems.
pub(super) fn check_topology(d: &Deployment, pr: &mut Problems) {
    roles::check_roles(d, pr);
    sync::check_sharing(d, pr);
    load_balancers::require(d, LoadBalancerId::KeyManager, pr);
    check_key_managers(d, pr);
    for id in [
        LoadBalancerId::Gateway,
        LoadBalancerId::Apim,
        LoadBalancerId::TrafficManager,
    ] {
        // With rsync the Publisher deploys policies to the traffic managers' sync source,
        // not through a load balancer (`sync::check_sharing` refuses one).
        let tm_rsync = sync_source(d, SyncGroupId::TrafficManagers).is_some();
        if id == LoadBalancerId::TrafficManager && tm_rsync {
            continue;
        }
        load_balancers::require(d, id, pr);
    }
    load_balancers::check_unused(d, pr);
}

fn check_key_managers(d: &Deployment, pr: &mut Problems) {
    let kms = d.nodes_with(Role::KeyManager).count();
    // distributed-setup.md, Step 6.6 item 2.2 note: Thrift only when the Key Manager cluster is NOT
    // fronted by a load balancer (and Step 6.2 item 2: WSClient for Key Managers behind one).
    if d.key_manager.client == KmClient::Thrift
        && (kms > 1 || d.key_manager.load_balancer.is_some())
    {
        pr.push(
            "key_manager.client",
            "thrift cannot run behind a load balancer: Thrift sessions are bound to one Key Manager",
            "use key_manager.client = \"ws\" (WSClient, as the doc recommends for HA), or one key-manager node without a load balancer",
        );
    }
    // is-as-key-manager.md, Step 5 item 3: API-M reads one IS-KM's embedded LDAP; Step 6 makes HA
    // nodes as copies, each with its own ApacheDS (embedded-ldap.xml workingDirectory ".").
    if matches!(d.user_store, UserStore::EmbeddedLdap) && kms > 1 {
        pr.push(
            "user_store.type",
            "embedded-ldap with several key-manager nodes: each IS-KM has its own embedded LDAP, so users would differ per node",
            "use user_store.type = \"jdbc\" or an external \"ldap\" shared by all nodes",
        );
    }
    // encrypting-oauth-keys.md: the keys are encrypted with the primary keystore, on the IS-KM and
    // API-M alike, so both must hold the same key pair.
    if d.key_manager.encrypt_oauth_keys && d.tls.key_sharing != KeySharing::Deployment {
        pr.push(
            "key_manager.encrypt_oauth_keys",
            "encrypted OAuth keys need one key pair on every node: the Store decrypts what the Key Manager encrypted",
            "set tls.key_sharing = \"deployment\"",
        );
    }
}
