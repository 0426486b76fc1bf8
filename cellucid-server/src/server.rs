//! The embeddable server: [`Server::builder`] → [`ServerBuilder::bind`] → [`BoundServer::serve`].

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;

use crate::anndata::DEFAULT_CACHE_BYTES;
use crate::error::ServerError;
use crate::exported::ExportedRoot;
use crate::state::{anndata_mode, AppState, Mode};
use crate::transport::body::Timeouts;
use crate::transport::host::HostPolicy;
use crate::viewers::ViewerRegistry;
use crate::virtual_dataset::VirtualDataset;
use crate::webui::WebUi;

/// How long in-flight requests may run after shutdown was asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Largest request head (request line plus headers) hyper buffers.
const MAX_HEAD_BYTES: usize = 128 * 1024;

/// What a server serves.
pub enum Source {
    /// Export folders (exported mode).
    Exported(ExportedRoot),
    /// A virtual export (anndata mode).
    Virtual(Arc<dyn VirtualDataset>),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exported(root) => f.debug_tuple("Exported").field(&root.root()).finish(),
            Self::Virtual(ds) => f
                .debug_tuple("Virtual")
                .field(&ds.catalog_entry().id)
                .finish(),
        }
    }
}

/// Entry point of the library API.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// A builder with the CLI defaults: `127.0.0.1:8765`, no web UI, a
    /// [`DEFAULT_CACHE_BYTES`] payload cache, default [`Timeouts`].
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            host: "127.0.0.1".into(),
            port: 8765,
            allowed_hosts: Vec::new(),
            web_ui: None,
            source: None,
            cache_bytes: DEFAULT_CACHE_BYTES,
            viewers: ViewerRegistry::new(),
            timeouts: Timeouts::default(),
        }
    }
}

/// Configures a server before it binds.
#[derive(Debug)]
pub struct ServerBuilder {
    host: String,
    port: u16,
    allowed_hosts: Vec<String>,
    web_ui: Option<WebUiSource>,
    source: Option<Source>,
    cache_bytes: u64,
    viewers: ViewerRegistry,
    timeouts: Timeouts,
}

/// Where the web UI comes from.
#[derive(Debug)]
enum WebUiSource {
    Dir(PathBuf),
    Ready(WebUi),
}

impl ServerBuilder {
    /// Bind host as given (reported verbatim by `/_cellucid/info`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Bind port; 0 lets the operating system pick one (see [`BoundServer::local_addr`]).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Adds an accepted `Host` name (`--allowed-host`, server.md §1.2).
    pub fn allowed_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into());
        self
    }

    /// Serves a local viewer build at `/`.
    pub fn web_ui_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.web_ui = Some(WebUiSource::Dir(dir.into()));
        self
    }

    /// Serves an established web UI at `/` (for example [`WebUi::download`]'s hosted build).
    pub fn web_ui(mut self, web_ui: WebUi) -> Self {
        self.web_ui = Some(WebUiSource::Ready(web_ui));
        self
    }

    /// Serves an already opened export root.
    pub fn exported(mut self, root: ExportedRoot) -> Self {
        self.source = Some(Source::Exported(root));
        self
    }

    /// Serves a virtual export (anndata mode).
    pub fn virtual_dataset(mut self, dataset: Arc<dyn VirtualDataset>) -> Self {
        self.source = Some(Source::Virtual(dataset));
        self
    }

    /// Byte budget of the anndata payload cache (default [`DEFAULT_CACHE_BYTES`]).
    pub fn cache_bytes(mut self, bytes: u64) -> Self {
        self.cache_bytes = bytes;
        self
    }

    /// Time limits of connections and requests (default [`Timeouts::default`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Shares a viewer registry with the embedding application (events arrive through it).
    pub fn viewers(mut self, viewers: ViewerRegistry) -> Self {
        self.viewers = viewers;
        self
    }

    /// Resolves the host, binds the socket (SO_REUSEADDR, backlog 1024) and builds the state.
    /// The dataset documents are final before this returns, so no request can see a server
    /// that is not ready.
    ///
    /// # Errors
    /// [`ServerError`] for an unresolvable host, a busy or forbidden port, an invalid
    /// `--allowed-host`, an unusable web UI directory or a missing dataset.
    pub async fn bind(self) -> Result<BoundServer, ServerError> {
        let source = self.source.ok_or(ServerError::NoDataset)?;
        let web_ui = match self.web_ui {
            None => None,
            Some(WebUiSource::Dir(dir)) => Some(WebUi::open(&dir)?),
            Some(WebUiSource::Ready(web_ui)) => Some(web_ui),
        };
        let ip = resolve(&self.host, self.port).await?;
        let socket_error = |source: std::io::Error| match source.kind() {
            std::io::ErrorKind::AddrInUse => ServerError::PortInUse {
                host: self.host.clone(),
                port: self.port,
            },
            std::io::ErrorKind::PermissionDenied => ServerError::BindRefused {
                host: self.host.clone(),
                port: self.port,
                source,
            },
            std::io::ErrorKind::AddrNotAvailable => ServerError::UnresolvableHost {
                host: self.host.clone(),
            },
            _ => ServerError::Socket {
                host: self.host.clone(),
                port: self.port,
                source,
            },
        };
        let socket = match ip {
            IpAddr::V4(_) => TcpSocket::new_v4(),
            IpAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(socket_error)?;
        socket.set_reuseaddr(true).map_err(socket_error)?;
        socket
            .bind(SocketAddr::new(ip, self.port))
            .map_err(socket_error)?;
        let listener = socket.listen(1024).map_err(socket_error)?;
        let local_addr = listener.local_addr().map_err(socket_error)?;
        let host = HostPolicy::new(&self.allowed_hosts, ip, local_addr.port())?;
        let mode = match source {
            Source::Exported(root) => Mode::Exported(root),
            Source::Virtual(dataset) => anndata_mode(dataset, self.cache_bytes),
        };
        let state = AppState::new(
            mode,
            host,
            &self.host,
            local_addr.port(),
            web_ui,
            self.viewers,
            self.timeouts,
        );
        Ok(BoundServer {
            listener,
            local_addr,
            state,
        })
    }
}

async fn resolve(host: &str, port: u16) -> Result<IpAddr, ServerError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    let unresolvable = || ServerError::UnresolvableHost {
        host: host.to_string(),
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| unresolvable())?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .map(SocketAddr::ip)
        .ok_or_else(unresolvable)
}

/// A bound server, ready to accept connections.
#[derive(Debug)]
pub struct BoundServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("port", &self.inner.port)
            .finish_non_exhaustive()
    }
}

impl BoundServer {
    /// The bound address (with the actual port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The application state (for [`crate::app`]).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C, then finishes in-flight requests (at most 10 s).
    ///
    /// # Errors
    /// Only if the Ctrl-C handler cannot be installed.
    pub async fn serve(self) -> std::io::Result<()> {
        let (tx, rx) = oneshot::channel::<()>();
        let ctrl_c = tokio::spawn(async move {
            let result = tokio::signal::ctrl_c().await;
            let _ = tx.send(());
            result
        });
        self.serve_until(async {
            let _ = rx.await;
        })
        .await;
        match ctrl_c.await {
            Ok(result) => result,
            Err(_) => Ok(()),
        }
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests (at most 10 s).
    pub async fn serve_until(self, shutdown: impl Future<Output = ()>) {
        let router = crate::app(self.state.clone());
        let graceful = GracefulShutdown::new();
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .keep_alive(true)
            .timer(TokioTimer::new())
            .header_read_timeout(self.state.inner.timeouts.header)
            .max_headers(100)
            .max_buf_size(MAX_HEAD_BYTES);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(pair) => pair,
                        Err(error) => {
                            tracing::warn!(%error, "accept failed; retrying");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let watched = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(error) = watched.await {
                            tracing::debug!(%peer, %error, "connection ended with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(SHUTDOWN_GRACE) => tracing::warn!("in-flight requests did not finish within the shutdown grace period"),
        }
    }

    /// Starts serving on the current runtime and returns a handle (tests, benchmarks,
    /// embedding applications).
    pub fn spawn(self) -> RunningServer {
        let addr = self.local_addr;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(self.serve_until(async {
            let _ = rx.await;
        }));
        RunningServer {
            addr,
            stop: Some(tx),
            task,
        }
    }
}

/// A server running in the background; dropping it without [`RunningServer::shutdown`] leaves
/// it running until the runtime ends.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, waits for in-flight requests (at most 10 s) and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}
