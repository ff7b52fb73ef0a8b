//! The simulated Cloud Build + Cloud Run rollout of a deployment:
//! creating -> building -> ready (url set) or failed (reason in the logs
//! and in `latest_deployment.error`), with build log lines on the way.

use rusqlite::params;

use crate::deploy_chain::{load_object, log_line};
use crate::error::ApiResult;
use crate::routes::functions::load_any;
use crate::state::AppState;
use crate::tarball;
use crate::tiers::parse_memory;
use crate::util::now_ms;

/// Starts the build of `deployment_id` in the background.
pub fn spawn(st: &AppState, deployment_id: String) {
    let st = st.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&st, &deployment_id).await {
            tracing::error!("build {deployment_id} stopped: {e}");
        }
    });
}

/// Resumes the builds a previous run left in flight.
pub async fn resume(st: &AppState) -> ApiResult<usize> {
    let ids: Vec<String> = st
        .db
        .call(|c| {
            let mut s = c.prepare("SELECT id FROM deployments WHERE status IN ('creating', 'building') ORDER BY created_ms")?;
            let ids = s.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(ids)
        })
        .await?;
    for id in &ids {
        spawn(st, id.clone());
    }
    Ok(ids.len())
}

struct Job {
    function_id: String,
    source: Option<String>,
    origin: String,
}

async fn step(st: &AppState) {
    tokio::time::sleep(st.config.build_step_delay).await;
}

async fn log(st: &AppState, fid: &str, severity: &'static str, msg: String) -> ApiResult<()> {
    let fid = fid.to_string();
    st.db.call(move |c| log_line(c, &fid, severity, &msg)).await
}

async fn set_status(st: &AppState, dep: &str, fid: &str, status: &'static str) -> ApiResult<()> {
    let (dep, fid) = (dep.to_string(), fid.to_string());
    st.db
        .call(move |c| {
            let tx = c.transaction()?;
            tx.execute("UPDATE deployments SET status = ?2 WHERE id = ?1", params![dep, status])?;
            tx.execute("UPDATE functions SET status = ?2, updated_ms = ?3 WHERE id = ?1 AND deleted = 0", params![fid, status, now_ms()])?;
            tx.commit()?;
            Ok(())
        })
        .await
}

async fn fail(st: &AppState, dep: &str, fid: &str, reason: String) -> ApiResult<()> {
    let (dep, fid) = (dep.to_string(), fid.to_string());
    st.db
        .call(move |c| {
            let tx = c.transaction()?;
            let now = now_ms();
            tx.execute(
                "UPDATE deployments SET status = 'failed', error = ?2, finished_ms = ?3 WHERE id = ?1",
                params![dep, reason, now],
            )?;
            tx.execute("UPDATE functions SET status = 'failed', updated_ms = ?2 WHERE id = ?1 AND deleted = 0", params![fid, now])?;
            log_line(&tx, &fid, "ERROR", &format!("Build failed: {reason}"))?;
            tx.commit()?;
            Ok(())
        })
        .await
}

pub async fn run(st: &AppState, dep: &str) -> ApiResult<()> {
    let d = dep.to_string();
    let job = st
        .db
        .call(move |c| {
            Ok(c.query_row(
                "SELECT function_id, source_tarball, origin FROM deployments WHERE id = ?1",
                [&d],
                |r| Ok(Job { function_id: r.get(0)?, source: r.get(1)?, origin: r.get(2)? }),
            )?)
        })
        .await?;
    let fid = job.function_id.clone();

    step(st).await;
    set_status(st, dep, &fid, "building").await?;
    log(st, &fid, "INFO", format!("Step 1/5: fetching source {}", job.source.as_deref().unwrap_or("-"))).await?;
    if job.origin == "github" {
        log(st, &fid, "WARNING", "sandbox: no network access, so the repository was not fetched from codeload.github.com; building a placeholder app instead".into()).await?;
    }

    let (gs, f2) = (job.source.clone().unwrap_or_default(), fid.clone());
    let (func, data) = st.db.call(move |c| Ok((load_any(c, &f2)?, load_object(c, &gs)?))).await?;
    let Some(func) = func else { return fail(st, dep, &fid, "the function no longer exists".into()).await };
    let Some(data) = data else { return fail(st, dep, &fid, "the source tarball was not found in storage".into()).await };

    let files = match tokio::task::spawn_blocking(move || tarball::unpack(&data, false)).await {
        Ok(Ok(files)) => files,
        Ok(Err(e)) => return fail(st, dep, &fid, e.message).await,
        Err(e) => return fail(st, dep, &fid, format!("could not read the source: {e}")).await,
    };
    let total: usize = files.iter().map(|f| f.data.len()).sum();
    log(st, &fid, "INFO", format!("Step 2/5: unpacked {} files ({total} bytes)", files.len())).await?;

    step(st).await;
    let entry = match tarball::entry_file(&func.runtime, files.iter().map(|f| f.path.as_str())) {
        Ok(e) => e,
        Err(reason) => return fail(st, dep, &fid, reason).await,
    };
    log(st, &fid, "INFO", format!("Step 3/5: detected a {} app ({entry}); building the image with Buildpacks", func.runtime)).await?;
    step(st).await;
    let image = format!("us-docker.pkg.dev/flowengine/functions/{}:{}", func.name, &dep[..8.min(dep.len())]);
    log(st, &fid, "INFO", format!("Step 4/5: pushed image {image}")).await?;
    step(st).await;
    let short: String = func.id.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
    let url = format!("https://{}-{short}-uc.a.run.app", func.name);
    log(st, &fid, "INFO", format!("Step 5/5: deploying revision {}-00001 in {}", func.name, func.region)).await?;
    step(st).await;

    let (d2, f3, url2) = (dep.to_string(), fid.clone(), url.clone());
    let mem_gib = parse_memory(&func.memory).unwrap_or(512) as f64 / 1024.0;
    let (cpu, account_id) = (func.cpu as f64, func.account_id.clone());
    st.db
        .call(move |c| {
            let tx = c.transaction()?;
            let now = now_ms();
            tx.execute("UPDATE deployments SET status = 'ready', finished_ms = ?2 WHERE id = ?1", params![d2, now])?;
            tx.execute(
                "UPDATE functions SET status = 'ready', url = ?2, updated_ms = ?3 WHERE id = ?1 AND deleted = 0",
                params![f3, url2, now],
            )?;
            log_line(&tx, &f3, "INFO", &format!("Service ready at {url2}"))?;
            log_line(&tx, &f3, "INFO", "Listening on port 8080")?;
            // Deterministic usage: the rollout's health checks, 100 requests of half a second each.
            tx.execute(
                "INSERT INTO usage_events (account_id, function_id, ts_ms, vcpu_seconds, gib_seconds, requests) VALUES (?1, ?2, ?3, ?4, ?5, 100)",
                params![account_id, f3, now, cpu * 50.0, mem_gib * 50.0],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
}
