//! `load-balancer/<id>.conf`: the nginx view of each load balancer.
use crate::model::Deployment;
use crate::plan::view::{LoadBalancerView, NginxRoute};
use crate::topology::LoadBalancerPlan;

/// The nginx view of a load balancer: TLS with its own certificate towards clients, TLS
/// verified against the nodes' certificates (by the load balancer's name, which every node
/// behind it carries) towards the nodes.
pub fn nginx_view(d: &Deployment, lb: &LoadBalancerPlan) -> LoadBalancerView {
    let sticky = lb.id.sticky();
    LoadBalancerView {
        deployment: d.name.to_string(),
        id: lb.id.as_str().to_string(),
        host: lb.host.clone(),
        ssl_dir: format!("/etc/nginx/ssl/{}", d.name),
        routes: lb
            .routes
            .iter()
            .map(|r| NginxRoute {
                what: r.what,
                listen: r.listen,
                tls: r.scheme == "https",
                websocket: r.scheme == "ws",
                backend_scheme: if r.scheme == "https" { "https" } else { "http" },
                // proxy-server-and-load-balancer.md, Step 2: `proxy_pass https://` to 9443 and 8243.
                backend_tls: r.scheme == "https",
                upstream: format!("{}_{}_{}", d.name, lb.id, r.listen).replace('-', "_"),
                sticky,
                backends: r.backends.clone(),
            })
            .collect(),
    }
}
