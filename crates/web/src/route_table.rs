//! The route table as data. axum cannot list the routes of a `Router`, and the hostile-input
//! test must walk every route, including the ones added after it was written. So `routes()`
//! builds a [`Routes`], whose `.route(path, get(a).post(b))` has axum's call shape and records
//! each path with its methods while it builds the router.

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::extract::{RawPathParams, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{MethodRouter, Route};
use madoguchi_core::portal::Module;
use std::convert::Infallible;
use tower::{Layer, Service};

/// A method router that knows which methods it answers.
pub struct Methods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

pub fn get<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
    Methods { router: axum::routing::get(handler), methods: vec![Method::GET] }
}

pub fn post<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
    Methods { router: axum::routing::post(handler), methods: vec![Method::POST] }
}

impl Methods {
    pub fn get<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Methods {
        self.router = self.router.get(handler);
        self.methods.push(Method::GET);
        self
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Methods {
        self.router = self.router.post(handler);
        self.methods.push(Method::POST);
        self
    }

    /// A layer around these methods only, as `MethodRouter::layer` (e.g. a body limit).
    pub fn layer<L>(mut self, layer: L) -> Methods
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.router = self.router.layer(layer);
        self
    }
}

/// One path of the table (axum syntax, `{param}` for a segment) and the methods it answers.
/// axum adds HEAD to every GET route by itself; it is not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub path: &'static str,
    pub methods: Vec<Method>,
}

/// A router under construction with its table.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteEntry>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn route(mut self, path: &'static str, methods: Methods) -> Routes {
        self.router = self.router.route(path, methods.router);
        self.table.push(RouteEntry { path, methods: methods.methods });
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// A business module's routes, answered only on portals whose preset lists `module`
    /// (`modules = [...]`); elsewhere 404, as if the routes did not exist.
    pub fn module(self, state: &AppState, module: Module, routes: Routes) -> Routes {
        let gated = Routes {
            router: routes.router.route_layer(from_fn_with_state((state.clone(), module), module_gate)),
            table: routes.table,
        };
        self.merge(gated)
    }

    pub fn table(&self) -> &[RouteEntry] {
        &self.table
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Lets a request through to a module's handler when the portal named by the path's
/// `{portal}` has the module turned on.
async fn module_gate(
    State((state, module)): State<(AppState, Module)>,
    params: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
    let portal = params.iter().find(|(name, _)| *name == "portal").and_then(|(_, id)| state.portal(id));
    match portal {
        Some(portal) if portal.settings.modules.contains(&module) => next.run(request).await,
        _ => AppError::NotFound.into_response(),
    }
}
