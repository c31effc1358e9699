//! `master-datasources.xml`: the shared databases a role uses.
use crate::model::{Deployment, Role};
use crate::plan::view::*;

pub(crate) fn databases(d: &Deployment, role: Role) -> Databases {
    let ds = |name: &'static str, description: &'static str, c: &crate::model::DbConnection| {
        let (driver, validation_query) = driver(d.database.db_type());
        DataSource {
            name,
            // installing-and-configuring-databases.md, step 10 (API-M) and
            // databases-for-is-as-key-manager.md, step 7 (IS-KM): the same names in both products.
            jndi: match name {
                "WSO2AM_DB" => "jdbc/WSO2AM_DB",
                "WSO2UM_DB" => "jdbc/WSO2UM_DB",
                _ => "jdbc/WSO2REG_DB",
            },
            description,
            url: c.url.clone(),
            username: c.username.clone(),
            password: c.password.clone(),
            driver,
            validation_query,
        }
    };
    // understanding-distributed-deployment.md: see `Role::uses_shared_databases`.
    let uses = role.uses_shared_databases();
    Databases {
        db_type: d.database.db_type().as_str(),
        am: uses.then(|| {
            ds(
                "WSO2AM_DB",
                "The datasource used for API Manager database",
                &d.database.am,
            )
        }),
        um: uses.then(|| {
            ds(
                "WSO2UM_DB",
                "The datasource used for the user manager database",
                &d.database.um,
            )
        }),
        reg: uses.then(|| {
            ds(
                "WSO2REG_DB",
                "The datasource used for the shared registry database",
                &d.database.reg,
            )
        }),
    }
}

/// JDBC driver class and validation query per database type.
/// MySQL: installing-and-configuring-databases.md (com.mysql.jdbc.Driver, SELECT 1); PostgreSQL:
/// wso2/product-apim@v2.6.0:modules/integration/tests-integration/tests-backend/src/test/resources/artifacts/AM/configFiles/tokengenerationpgsql/master-datasources.xml;
/// H2: the stock file; SQL Server and Oracle: docs/unsourced-rules.md.
pub fn driver(t: crate::model::DbType) -> (&'static str, &'static str) {
    use crate::model::DbType::*;
    match t {
        H2 => ("org.h2.Driver", "SELECT 1"),
        Mysql => ("com.mysql.jdbc.Driver", "SELECT 1"),
        Postgresql => ("org.postgresql.Driver", "SELECT 1"),
        Mssql => ("com.microsoft.sqlserver.jdbc.SQLServerDriver", "SELECT 1"),
        Oracle => ("oracle.jdbc.OracleDriver", "SELECT 1 FROM DUAL"),
    }
}
