//! `[deployment]`: the bundle's name and the product builds it targets.
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{ApimBuild, IsKmBuild, Name};

/// The name and builds of `[deployment]`.
pub(super) struct Checked {
    pub name: Name,
    pub apim_version: ApimBuild,
    pub is_km_version: IsKmBuild,
}

pub(super) fn check_deployment(d: &profile::Deployment, pr: &mut Problems) -> Checked {
    let name = Name::parse(&d.name).unwrap_or_else(|| {
        pr.push(
            "deployment.name",
            format!("`{}` is not a valid deployment name", d.name),
            "use lowercase letters, digits and dashes, starting with a letter or digit (it names the output folder)",
        );
        Name::unchecked(&d.name)
    });
    Checked {
        name,
        apim_version: apim_build(&d.apim_version, pr),
        is_km_version: is_km_build(&d.is_km_version, pr),
    }
}

fn apim_build(version: &str, pr: &mut Problems) -> ApimBuild {
    let key = "deployment.apim_version";
    match ApimBuild::parse(version) {
        None => {
            pr.push(
                key,
                format!("`{version}` is not an API-M 2.6.0 build kmgen knows"),
                "use \"2.6.0\", \"2.6.0-wum\" or \"2.6.0-update-<N>\"",
            );
            ApimBuild::Ga
        }
        // is-as-key-manager.md, compatibility matrix: APIM-2.6.0-update-X is not compatible with any
        // IS-KM 5.7.0 build; GA and WUM API-M go with GA or WUM IS-KM.
        Some(build @ ApimBuild::Update(_)) => {
            pr.push(
                key,
                format!("API-M `{version}` is not compatible with any IS-KM 5.7.0 build"),
                "the compatibility matrix allows only API-M 2.6.0 GA (\"2.6.0\") or a WUM update (\"2.6.0-wum\") with IS-KM 5.7.0",
            );
            build
        }
        Some(build) => build,
    }
}

fn is_km_build(version: &str, pr: &mut Problems) -> IsKmBuild {
    IsKmBuild::parse(version).unwrap_or_else(|| {
        pr.push(
            "deployment.is_km_version",
            format!("`{version}` is not an IS-KM build kmgen knows"),
            "use \"5.7.0\" or \"5.7.0-wum\"",
        );
        IsKmBuild::Ga
    })
}
