//! The jaggery apps' `site.json` (Publisher, Store, Admin) behind the API-M load balancer.
use crate::model::{Deployment, Node, Role};
use crate::plan::view::ReverseProxy;

/// The apps whose `site.json` a node behind the API-M load balancer gets: "only relevant to
/// the Store and Publisher nodes", the Admin portal's on the Publisher
/// (proxy-server-and-load-balancer.md step 3); an all-in-one node runs all three.
pub fn site_json_apps(role: Role) -> &'static [&'static str] {
    match role {
        Role::AllInOne => &["publisher", "store", "admin"],
        Role::Publisher => &["publisher", "admin"],
        Role::Store => &["store"],
        _ => &[],
    }
}

/// `reverseProxy` and the host whitelist of a node's apps behind the API-M load balancer;
/// `None` without one (the stock files stay).
///
/// The apps build their URLs as `"https://" + reverseProxy.host + context`, so a port other
/// than 443 goes into `host` (wso2/carbon-apimgt@v6.4.50
/// features/apimgt/org.wso2.carbon.apimgt.store.feature/src/main/resources/store/jagg/jagg.jag
/// l.425-429, l.486-501; publisher.feature/.../publisher/jagg/jagg.jag l.364-375). Registry
/// links (API thumbnails, `/registry/resource/...`) take `regContext` when it is set, else
/// `reverseProxy.context` + the path (store jagg.jag l.605-611), which is `/store/registry/...`:
/// a path no node serves, since the load balancer forwards paths as they are. So `regContext`
/// is `""`. The Store and Admin apps keep a request's Host only if it is carbon.xml `HostName`
/// or whitelisted (store jagg.jag l.442-480; admin/modules/manager/manager.jag l.98-136), so
/// the load balancer's name is whitelisted too.
pub(crate) fn reverse_proxy(d: &Deployment, n: &Node) -> Option<ReverseProxy> {
    let lb = d.apim_load_balancer.as_ref()?;
    if site_json_apps(n.role).is_empty() {
        return None;
    }
    let host = match lb.port.get() {
        443 => lb.host.to_string(),
        port => format!("{}:{port}", lb.host),
    };
    Some(ReverseProxy {
        host,
        white_listed_host_names: vec!["localhost".into(), lb.host.to_string()],
    })
}
