//! An organization's registered data (登録情報): read by 登録情報確認, written by the operator.

use madoguchi_core::organization::Profile;
use sqlx::{AnyConnection, Row};

/// The organization's profile, when it exists on this portal.
pub async fn profile(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Profile>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT name, kind, department, postal_code, address, phone FROM organizations WHERE id = $1 AND portal = $2",
    )
    .bind(id)
    .bind(portal)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Profile {
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            department: r.try_get("department")?,
            postal_code: r.try_get("postal_code")?,
            address: r.try_get("address")?,
            phone: r.try_get("phone")?,
        })
    })
    .transpose()
}

/// Replaces the profile; false when the organization is not on this portal.
pub async fn update_profile(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    p: &Profile,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE organizations SET name = $3, kind = $4, department = $5, postal_code = $6, address = $7, phone = $8,
                updated_at = $9
         WHERE id = $1 AND portal = $2",
    )
    .bind(id)
    .bind(portal)
    .bind(&p.name)
    .bind(&p.kind)
    .bind(&p.department)
    .bind(&p.postal_code)
    .bind(&p.address)
    .bind(&p.phone)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a name to an organization that has none yet (one registered by a procedure that asks
/// for no name, as mlit-fwms's 仮申請): its first application names it. An empty `name`, or an
/// organization already named, changes nothing. True when it was named.
pub async fn name_if_unnamed(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    name: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if name.is_empty() {
        return Ok(false);
    }
    let done =
        sqlx::query("UPDATE organizations SET name = $3, updated_at = $4 WHERE id = $1 AND portal = $2 AND name = ''")
            .bind(id)
            .bind(portal)
            .bind(name)
            .bind(now)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}
