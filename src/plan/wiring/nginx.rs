//! `load-balancer/<id>.conf`: the nginx view of each load balancer.
use crate::model::Deployment;
use crate::plan::view::{LoadBalancerView, NginxLocation, NginxRoute, NginxUpstream};
use crate::topology::{LoadBalancerPlan, Route};

/// The nginx view of a load balancer: TLS with its own certificate towards clients, TLS
/// verified against the nodes' certificates (by the load balancer's name, which every node
/// behind it carries) towards the nodes.
pub fn nginx_view(d: &Deployment, lb: &LoadBalancerPlan) -> LoadBalancerView {
    LoadBalancerView {
        deployment: d.name.to_string(),
        id: lb.id.as_str().to_string(),
        host: lb.host.clone(),
        ssl_dir: format!("/etc/nginx/ssl/{}", d.name),
        routes: lb.routes.iter().map(|r| route(d, lb, r)).collect(),
    }
}

/// One `server`: an upstream of every node behind the port and one per path pool, each
/// with the load balancer's affinity; each pool's paths go to its upstream, the rest to all.
fn route(d: &Deployment, lb: &LoadBalancerPlan, r: &Route) -> NginxRoute {
    let sticky = lb.id.sticky();
    let all = format!("{}_{}_{}", d.name, lb.id, r.listen).replace('-', "_");
    let mut upstreams = vec![NginxUpstream {
        name: all.clone(),
        sticky,
        backends: r.backends.clone(),
    }];
    let mut locations = Vec::new();
    for p in &r.paths {
        let name = format!("{all}_{}", p.pool);
        upstreams.push(NginxUpstream {
            name: name.clone(),
            sticky,
            backends: p.backends.clone(),
        });
        locations.push(NginxLocation {
            what: Some(p.what),
            matcher: prefixes_regex(p.prefixes),
            upstream: name,
        });
    }
    locations.push(NginxLocation {
        what: None,
        matcher: "/".into(),
        upstream: all,
    });
    NginxRoute {
        what: r.what,
        listen: r.listen,
        tls: r.scheme == "https",
        websocket: r.scheme == "ws",
        backend_scheme: if r.scheme == "https" { "https" } else { "http" },
        backend_tls: r.scheme == "https",
        upstreams,
        locations,
    }
}

/// `~ ^(/a|/b)(/|$)`: each prefix as whole path segments (`/store`, `/store/...`, not
/// `/storefront`). A matching regular expression wins over the `location /` prefix.
fn prefixes_regex(prefixes: &[&str]) -> String {
    format!("~ ^({})(/|$)", prefixes.join("|"))
}
