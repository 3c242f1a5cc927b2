//! The OpenAPI 3.1 document, derived from the route table and from the request and answer
//! types (their `ToSchema` and `IntoParams` derives), and the docs page that shows it.
//!
//! Each API route of the route table names a [`Doc`]: its body, query and answer types and
//! the errors it can answer. Method, path, path parameters, the bearer requirement and the
//! errors every route shares come from the route itself, so the document lists exactly the
//! routes the table serves.

use std::sync::{Arc, LazyLock};

use axum::extract::Path;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use utoipa::openapi::encoding::EncodingBuilder;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::tag::{Tag, TagBuilder};
use utoipa::openapi::{
    ComponentsBuilder, ContactBuilder, ContentBuilder, Info, InfoBuilder, LicenseBuilder, OpenApi,
    OpenApiBuilder, PathItem, Paths, Ref, RefOr, Required, ResponseBuilder, header::HeaderBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use crate::actor::Level;
use crate::error::{ApiError, HttpError, ValidationError};
use crate::extract::{FromBody, FromQuery};
use crate::sheet::Format;
use crate::validation::FieldError;

/// The extension of each operation naming the level it needs (`read`, `staff`, `admin`).
pub const LEVEL_EXTENSION: &str = "x-level";
/// The name of the bearer security scheme in the document.
const BEARER: &str = "bearer";
/// Where the local server and the docs function serve the document.
pub const DOCUMENT_PATH: &str = "/openapi.json";

/// What an operation takes and answers, beyond what its route says.
pub struct Doc {
    operation: OperationBuilder,
    schemas: Vec<(String, RefOr<Schema>)>,
    /// Statuses answered with FastAPI's error body.
    errors: Vec<StatusCode>,
    /// The 422 body is a sentence as well as the field list (a file that cannot be read).
    unreadable: bool,
}

impl Doc {
    pub fn new(tag: &str, summary: &str) -> Doc {
        Doc {
            operation: OperationBuilder::new().tag(tag).summary(Some(summary)),
            schemas: Vec::new(),
            errors: Vec::new(),
            unreadable: false,
        }
    }

    /// A longer explanation, shown under the summary.
    pub fn about(mut self, text: &str) -> Doc {
        self.operation = self.operation.description(Some(text));
        self
    }

    /// A `$ref` to `T` as the component `name`, which the document then declares (with the
    /// components `T` refers to): one named type per shape for a generated client.
    fn named<T: ToSchema>(&mut self, name: &str) -> RefOr<Schema> {
        T::schemas(&mut self.schemas);
        self.schemas.push((name.to_string(), T::schema()));
        Ref::from_schema_name(name).into()
    }

    fn refer<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.named::<T>(&T::name())
    }

    fn fails_with(mut self, status: StatusCode) -> Doc {
        if !self.errors.contains(&status) {
            self.errors.push(status);
        }
        self
    }

    /// Can answer these statuses with `{"detail": "…"}`.
    pub fn fails(self, statuses: &[StatusCode]) -> Doc {
        statuses.iter().fold(self, |doc, s| doc.fails_with(*s))
    }

    /// Can answer 429 with `{"detail": "…"}` and `Retry-After`: a limit of the workshop's
    /// number refused the message.
    pub fn paced(self) -> Doc {
        self.fails(&[StatusCode::TOO_MANY_REQUESTS])
    }

    /// A JSON body of type `T` (413 past the body limit, 422 when invalid).
    pub fn body<T: FromBody>(mut self) -> Doc {
        let schema = self.refer::<T::Shape>();
        let required = if T::OPTIONAL {
            Required::False
        } else {
            Required::True
        };
        let body = RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .required(Some(required))
            .build();
        self.operation = self.operation.request_body(Some(body));
        self.fails(&[
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNPROCESSABLE_ENTITY,
        ])
    }

    /// A spreadsheet as the body: the file itself (xlsx or CSV) or a form with one file field.
    pub fn upload(mut self) -> Doc {
        let form = ObjectBuilder::new()
            .property("file", binary())
            .required("file")
            .build();
        let body = RequestBodyBuilder::new()
            .content(
                Format::XLSX_TYPE,
                ContentBuilder::new().schema(Some(binary())).build(),
            )
            .content(
                "text/csv",
                ContentBuilder::new().schema(Some(binary())).build(),
            )
            .content(
                "multipart/form-data",
                ContentBuilder::new()
                    .schema(Some(form))
                    .encoding(
                        "file",
                        EncodingBuilder::new()
                            .content_type(Some(format!("{}, text/csv", Format::XLSX_TYPE)))
                            .build(),
                    )
                    .build(),
            )
            .required(Some(Required::True))
            .build();
        self.operation = self.operation.request_body(Some(body));
        self.unreadable = true;
        self.fails(&[
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StatusCode::UNPROCESSABLE_ENTITY,
        ])
    }

    /// Query parameters of type `Q` (422 when one is refused).
    pub fn query<Q: FromQuery>(mut self) -> Doc {
        for parameter in Q::into_params(|| Some(ParameterIn::Query)) {
            self.operation = self.operation.parameter(parameter);
        }
        self.fails(&[StatusCode::UNPROCESSABLE_ENTITY])
    }

    /// Answers `status` with a JSON body of type `T`.
    pub fn json<T: ToSchema>(self, status: StatusCode, description: &str) -> Doc {
        self.json_named::<T>(&T::name(), status, description)
    }

    /// Answers `status` with a JSON body of type `T`, as the component `name`: for a generic
    /// type, whose derived name is the same for every parameter.
    pub fn json_named<T: ToSchema>(
        mut self,
        name: &str,
        status: StatusCode,
        description: &str,
    ) -> Doc {
        let schema = self.named::<T>(name);
        self.answer(status, description, schema)
    }

    /// Answers `status` with a JSON array of `T`.
    pub fn json_list<T: ToSchema>(mut self, status: StatusCode, description: &str) -> Doc {
        let item = self.refer::<T>();
        self.answer(status, description, ArrayBuilder::new().items(item).into())
    }

    fn answer(mut self, status: StatusCode, description: &str, schema: RefOr<Schema>) -> Doc {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .build();
        self.operation = self.operation.response(status.as_str(), response);
        self
    }

    /// Answers 200 with a JSON array of `T`, and with `X-Next-Cursor` when a page follows.
    pub fn paged_list<T: ToSchema>(mut self, description: &str) -> Doc {
        let item = self.refer::<T>();
        let list = ArrayBuilder::new().items(item).build();
        let cursor = HeaderBuilder::new()
            .schema(Some(String::schema()))
            .description(Some(
                "The next page's cursor, to send back as ?cursor=; absent on the last page",
            ))
            .build();
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(list)).build(),
            )
            .header(crate::query::NEXT_CURSOR_HEADER, cursor)
            .build();
        self.operation = self.operation.response("200", response);
        self
    }

    /// Answers `status` with a plain-text body.
    pub fn text(mut self, status: StatusCode, description: &str) -> Doc {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "text/plain",
                ContentBuilder::new().schema(Some(String::schema())).build(),
            )
            .build();
        self.operation = self.operation.response(status.as_str(), response);
        self
    }

    /// Answers `status` without a body.
    pub fn empty(mut self, status: StatusCode, description: &str) -> Doc {
        let response = ResponseBuilder::new().description(description).build();
        self.operation = self.operation.response(status.as_str(), response);
        self
    }

    /// Answers 200 with a file to download, xlsx or CSV (413 past Lambda's answer limit).
    pub fn download(mut self) -> Doc {
        let response = ResponseBuilder::new()
            .description("The file, as an attachment (Content-Disposition)")
            .content(
                Format::XLSX_TYPE,
                ContentBuilder::new().schema(Some(binary())).build(),
            )
            .content(
                "text/csv",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            )
            .build();
        self.operation = self.operation.response("200", response);
        self.fails(&[StatusCode::PAYLOAD_TOO_LARGE])
    }

    /// The operation of the route `function` serves at `path`: its path parameters, its
    /// security and its error answers completed.
    fn operation(
        self,
        function: &str,
        path: &str,
        level: Option<Level>,
    ) -> (Operation, Vec<(String, RefOr<Schema>)>) {
        let mut doc = self;
        if path.contains('{') {
            doc = doc.fails(&[StatusCode::NOT_FOUND]);
        }
        if level.is_some() {
            doc = doc.fails(&[
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::SERVICE_UNAVAILABLE,
            ]);
            doc.operation = doc
                .operation
                .security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
        } else {
            // Stated, not forgotten: the route takes no token (a webhook checks its own secret).
            doc.operation = doc.operation.securities(Some(Vec::new()));
        }
        let Doc {
            mut operation,
            mut schemas,
            mut errors,
            unreadable,
        } = doc;
        if unreadable {
            schemas.push((FILE_ERROR.into(), file_error()));
        }
        operation = operation.operation_id(Some(function));
        for name in path_parameters(path) {
            // A plate in a path is read as in a body; every other parameter is an id.
            let schema = match name {
                "nopol" => crate::nopol::Nopol::schema(),
                _ => String::schema(),
            };
            let parameter = ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema))
                .build();
            operation = operation.parameter(parameter);
        }
        errors.sort();
        for status in errors {
            operation = operation.response(status.as_str(), error_response(status, unreadable));
        }
        let mut operation = operation.build();
        if let Some(level) = level {
            state_level(&mut operation, level);
        }
        (operation, schemas)
    }
}

/// The level a token needs for the operation, in its description (for readers of the docs
/// page) and as `x-level` (for tools).
fn state_level(operation: &mut Operation, level: Level) {
    let needs = format!(
        "Needs a token of level `{}` or higher (with roles on; see `JWT_ROLE_CLAIM`).",
        level.name()
    );
    operation.description = Some(match operation.description.take() {
        Some(about) => format!("{about}\n\n{needs}"),
        None => needs,
    });
    operation.extensions = Some(
        ExtensionsBuilder::new()
            .add(LEVEL_EXTENSION, level.name())
            .build(),
    );
}

/// `{name}` segments of a route path.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn binary() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
}

/// The 422 of an upload: the rows' problems, or a sentence when the file cannot be read.
const FILE_ERROR: &str = "FileError";

fn file_error() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(Ref::from_schema_name(ValidationError::name()))
        .item(Ref::from_schema_name(HttpError::name()))
        .description(Some(
            "The rows' problems in pydantic's shape, or a sentence when the file cannot be read",
        ))
        .into()
}

fn error_response(status: StatusCode, unreadable: bool) -> utoipa::openapi::Response {
    let detail = || Ref::from_schema_name(HttpError::name());
    let schema: RefOr<Schema> = match status {
        StatusCode::UNPROCESSABLE_ENTITY if unreadable => Ref::from_schema_name(FILE_ERROR).into(),
        StatusCode::UNPROCESSABLE_ENTITY => Ref::from_schema_name(ValidationError::name()).into(),
        _ => detail().into(),
    };
    let mut response = ResponseBuilder::new()
        .description(status.canonical_reason().unwrap_or("Error"))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        );
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = HeaderBuilder::new()
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .build(),
            ))
            .description(Some("Seconds until the limit lets a message through"))
            .build();
        response = response.header("retry-after", wait);
    }
    if status == StatusCode::UNAUTHORIZED {
        let challenge = HeaderBuilder::new()
            .schema(Some(String::schema()))
            .description(Some("Bearer"))
            .build();
        response = response.header("www-authenticate", challenge);
    }
    response.build()
}

/// A route as the document shows it.
pub struct Entry<'a> {
    /// The Lambda function serving it: the operation's id.
    pub function: &'a str,
    pub method: &'a Method,
    pub path: &'a str,
    /// The level of bearer token it needs; `None`: no token.
    pub level: Option<Level>,
    pub doc: Doc,
}

/// The document of `routes`, and nothing else.
pub fn document<'a>(routes: impl IntoIterator<Item = Entry<'a>>) -> OpenApi {
    let mut paths = Paths::new();
    let mut components = ComponentsBuilder::new().security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An HS256 JWT with `sub` and `exp`, signed with the workshop's secret; \
                         with roles on, its role claim grants a level (read, staff, admin). \
                         Locally `cargo run -- token [--role read|staff|admin]` prints one",
                ))
                .build(),
        ),
    );
    let mut schemas = Vec::new();
    FieldError::schemas(&mut schemas);
    schemas.push((FieldError::name().into(), FieldError::schema()));
    schemas.push((HttpError::name().into(), HttpError::schema()));
    schemas.push((ValidationError::name().into(), ValidationError::schema()));
    for Entry {
        function,
        method,
        path,
        level,
        doc,
    } in routes
    {
        let (operation, used) = doc.operation(function, path, level);
        schemas.extend(used);
        paths.add_path_operation(path, vec![http_method(method)], operation);
    }
    let mut declared: Vec<(String, RefOr<Schema>)> = Vec::new();
    for (name, schema) in schemas {
        match declared.iter().find(|(known, _)| *known == name) {
            // Two shapes under one name would leave a client one of them: rename one.
            Some((_, known)) => assert!(*known == schema, "two schemas named {name}"),
            None => declared.push((name, schema)),
        }
    }
    for (name, schema) in referenced(&paths, declared) {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(info())
        // Relative: the same document serves the local server and API Gateway's stage.
        .servers(Some(vec![Server::new("/")]))
        .tags(Some(tags(&paths)))
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// The schemas `paths` refer to, directly or through one another. A generic type's derive
/// inlines its parameter yet lists it among its schemas: such a component would be unused.
fn referenced(
    paths: &Paths,
    mut schemas: Vec<(String, RefOr<Schema>)>,
) -> Vec<(String, RefOr<Schema>)> {
    let mut text = serde_json::to_string(paths).unwrap_or_default();
    let mut kept = Vec::new();
    loop {
        let (used, rest): (Vec<_>, Vec<_>) = schemas
            .into_iter()
            .partition(|(name, _)| text.contains(&format!("\"#/components/schemas/{name}\"")));
        if used.is_empty() {
            return kept;
        }
        for (_, schema) in &used {
            text.push_str(&serde_json::to_string(schema).unwrap_or_default());
        }
        kept.extend(used);
        schemas = rest;
    }
}

fn info() -> Info {
    InfoBuilder::new()
        .title("Bengkel WhatsApp API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(READINGS))
        .contact(Some(
            ContactBuilder::new()
                .name(Some("The workshop's developers"))
                .build(),
        ))
        .license(Some(
            LicenseBuilder::new()
                .name("MIT")
                .identifier(Some("MIT"))
                .build(),
        ))
        .build()
}

/// What the API reads leniently, so that a client knows it as well as the server does.
const READINGS: &str = "Manual WhatsApp customers, the customer register, reminders and the \
    WhatsApp report of a workshop. Errors have FastAPI's shape: `{\"detail\": \"…\"}`, and for \
    invalid input `{\"detail\": [{\"loc\", \"msg\", \"type\"}]}` (422).\n\n\
    Readings: every path answers with and without a trailing slash. A query boolean reads \
    `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, `t`/`f` and `y`/`n` in any case. An empty \
    `cursor` is the first page and an empty text parameter is as if absent; an empty number or \
    choice (`?limit=`, `?order=`) is refused with 422, and a choice is matched exactly (lower \
    case).";

/// The tags the operations are grouped by, each with what it covers, in the table's order.
const TAGS: [(&str, &str); 9] = [
    (
        "manual-whatsapp",
        "Manual WhatsApp customers: records of a name, a plate and a number, their import and export, reminders on demand",
    ),
    (
        "audit",
        "The change log: who did what, and who the caller is",
    ),
    (
        "messages",
        "Custom messages and the log of every send attempt",
    ),
    (
        "opt-outs",
        "Numbers and vehicles that receive no messages (STOP / BERHENTI)",
    ),
    (
        "replies",
        "Customers' replies: StarSender's webhook and the inbox",
    ),
    (
        "reminders",
        "Due reminders: previews, sending, and settling a send whose outcome is unknown",
    ),
    (
        "scheduler",
        "The daily reminder schedule: start, stop, status",
    ),
    (
        "customers",
        "The customer register: customers, their vehicles and visits",
    ),
    (
        "whatsapp-report",
        "Reminders sent per customer and vehicle: lists, statistics, resets and exports",
    ),
];

/// The declared tags of the operations in `paths`, with their descriptions.
fn tags(paths: &Paths) -> Vec<Tag> {
    let used: Vec<&str> = paths
        .paths
        .values()
        .flat_map(operations)
        .flat_map(|operation| operation.tags.iter().flatten())
        .map(String::as_str)
        .collect();
    TAGS.iter()
        .filter(|(name, _)| used.contains(name))
        .map(|(name, about)| {
            TagBuilder::new()
                .name(*name)
                .description(Some(*about))
                .build()
        })
        .collect()
}

fn operations(item: &PathItem) -> impl Iterator<Item = &Operation> {
    [
        &item.get,
        &item.put,
        &item.post,
        &item.delete,
        &item.options,
        &item.head,
        &item.patch,
        &item.trace,
    ]
    .into_iter()
    .flatten()
}

fn http_method(method: &Method) -> HttpMethod {
    use Method as M;
    match *method {
        M::POST => HttpMethod::Post,
        M::PUT => HttpMethod::Put,
        M::PATCH => HttpMethod::Patch,
        M::DELETE => HttpMethod::Delete,
        M::HEAD => HttpMethod::Head,
        M::OPTIONS => HttpMethod::Options,
        M::TRACE => HttpMethod::Trace,
        _ => HttpMethod::Get,
    }
}

static SWAGGER: LazyLock<Arc<utoipa_swagger_ui::Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        // No `persist_authorization`: a token typed into the page stays in the tab's memory,
        // never in the origin's `localStorage`, as on the staff page.
        utoipa_swagger_ui::Config::from(DOCUMENT_PATH)
            .try_it_out_enabled(true)
            // Swagger UI would ask validator.swagger.io about the document: nothing leaves.
            .validator_url("none"),
    )
});

/// `GET /docs`: the Swagger UI page. Its files are addressed relative to `/docs/`.
pub async fn docs_page(uri: Uri) -> Response {
    if !uri.path().ends_with('/') {
        return locked(Redirect::permanent("/docs/").into_response());
    }
    docs_file_named("index.html")
}

/// `GET /docs/{file}`: a file of Swagger UI, vendored in the binary.
pub async fn docs_file(Path(file): Path<String>) -> Response {
    docs_file_named(&file)
}

fn docs_file_named(file: &str) -> Response {
    let response = match utoipa_swagger_ui::serve(file, SWAGGER.clone()) {
        Ok(Some(found)) => {
            let mut response = found.bytes.into_owned().into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&found.content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            if found.gzpipped {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => ApiError::NotFound("Not Found".into()).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    };
    locked(response)
}

/// Every answer under `/docs` carries the staff page's headers: a token is typed into this
/// page too.
fn locked(mut response: Response) -> Response {
    crate::headers::lock_page(response.headers_mut(), DOCS_POLICY.clone());
    response
}

/// The staff page's policy, which also allows the one inline style Swagger UI needs: its
/// standalone preset adds a `<style>` element with its logo's colours. Swagger UI's
/// `index.html` loads every script and style from files. The style's text is read from the
/// file as served, so the hash follows an update of Swagger UI.
static DOCS_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let preset = match utoipa_swagger_ui::serve("swagger-ui-standalone-preset.js", SWAGGER.clone())
    {
        Ok(Some(file)) => String::from_utf8_lossy(&file.bytes).into_owned(),
        _ => String::new(),
    };
    let policy = crate::headers::policy_allowing_styles(&inline_styles(&preset));
    HeaderValue::from_str(&policy).expect("a policy is visible ASCII")
});

/// The text of each `<style>` element a minified React script creates:
/// `createElement("style",null,"<text>")`, the text a JavaScript string literal.
fn inline_styles(script: &str) -> Vec<String> {
    const OPENING: &str = "createElement(\"style\",null,";
    script
        .split(OPENING)
        .skip(1)
        .filter_map(|rest| {
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            stream.next()?.ok()
        })
        .collect()
}
