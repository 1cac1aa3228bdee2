/**
 * Generated from schemas/zudu.openapi.yaml by scripts/wire-types.js (npm run generate:wire).
 * Do not edit: change the contract and regenerate; `npm run typecheck` fails while this is stale.
 */

export interface paths {
    "/mcp-servers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the organization's MCP servers, a page at a time */
        get: operations["listMcpServers"];
        put?: never;
        /** Create an MCP server */
        post: operations["createMcpServer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers/validate-url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Check a URL's format and whether the organization already uses it */
        post: operations["validateMcpServerUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** Get one MCP server with its detail fields */
        get: operations["getMcpServer"];
        put?: never;
        post?: never;
        /** Delete an MCP server */
        delete: operations["deleteMcpServer"];
        options?: never;
        head?: never;
        /** Change the given fields, sent as {config:{…}} or flat */
        patch: operations["updateMcpServer"];
        trace?: never;
    };
    "/mcp-servers/{id}/tools": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /**
         * Connect to the server now and list its tools with their approval state
         * @description A failed connection is a 502 whose error starts with the failure class
         *     (transport, tls, timeout, auth, protocol, blocked, config).
         */
        get: operations["listLiveTools"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers/{id}/oauth/connect": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start the OAuth consent for a server and get the URL to open in a browser
         * @description Discovery (RFC 9728, RFC 8414), registration if needed, and the authorization URL (code
         *     flow with PKCE S256, state, RFC 8707 resource). The browser comes back to the gateway's
         *     /oauth/callback, which stores the tokens encrypted. A failed discovery step is a 502
         *     whose error starts with "auth:" and names the step.
         */
        post: operations["connectOAuth"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers/{id}/oauth": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** The caller's OAuth connection to the server (its own for a per-user server); never a token */
        get: operations["getOAuthConnection"];
        put?: never;
        post?: never;
        /** Revoke the tokens at the authorization server (RFC 7009, when offered) and delete them */
        delete: operations["disconnectOAuth"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers/{id}/approval-policy": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Set the server's approval policy */
        patch: operations["updateApprovalPolicy"];
        trace?: never;
    };
    "/mcp-servers/{id}/tool-approvals": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add (or replace) the approval of one tool
         * @description tool_hash defaults to the SHA-256 (hex) of the canonical JSON of
         *     {"description": tool_description or "", "input_schema": input_schema or {}}, keys sorted.
         */
        post: operations["addToolApproval"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers/{id}/tool-approvals/{tool_name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                tool_name: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove the approval of one tool */
        delete: operations["removeToolApproval"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/secrets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the organization's secrets and the servers that use them */
        get: operations["listSecrets"];
        put?: never;
        /** Store a secret (its value is never returned) */
        post: operations["createSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/secrets/{secret_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                secret_id: string;
            };
            cookie?: never;
        };
        /** Get one secret (without its value) */
        get: operations["getSecret"];
        put?: never;
        post?: never;
        /** Delete a secret (409 while a server uses it) */
        delete: operations["deleteSecret"];
        options?: never;
        head?: never;
        /** Rename a secret or replace its value */
        patch: operations["updateSecret"];
        trace?: never;
    };
    "/approval-requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organization's approval requests, a page at a time, newest first (admins see all; members, those on servers they own) */
        get: operations["listApprovalRequests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** One approval request, with the held call's arguments (those who may decide only) */
        get: operations["getApprovalRequest"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve the held call (once); approve_always also approves the tool for its current definition (tool-approvals, auto_approved at this tool_hash) */
        post: operations["approveApprovalRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests/{id}/deny": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deny the held call, with a reason the agent is told */
        post: operations["denyApprovalRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The organization's audit trail, a page at a time, newest first (admins only) */
        get: operations["listAuditEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        EpochMillis: number;
        /** @enum {string} */
        ApprovalPolicy: "auto_approve_all" | "require_approval_all" | "require_approval_per_tool";
        /** @enum {string} */
        ToolApprovalState: "auto_approved" | "requires_approval";
        /** @enum {string} */
        Transport: "SSE" | "STREAMABLE_HTTP";
        /** @description header name → value, sent to the MCP server; values are stored encrypted and shown masked */
        RequestHeaders: {
            [key: string]: string;
        };
        SecretToken: {
            secret_id: string;
        };
        /** @description null removes the bearer token */
        SecretTokenOrNull: {
            secret_id: string;
        } | null;
        CreateServerConfig: {
            /** @description http:// or https:// */
            url: string;
            name: string;
            approval_policy?: components["schemas"]["ApprovalPolicy"];
            transport?: components["schemas"]["Transport"];
            description?: string;
            request_headers?: components["schemas"]["RequestHeaders"];
            secret_token?: components["schemas"]["SecretToken"];
        };
        UpdateServerConfig: {
            url?: string;
            name?: string;
            approval_policy?: components["schemas"]["ApprovalPolicy"];
            transport?: components["schemas"]["Transport"];
            description?: string;
            request_headers?: components["schemas"]["RequestHeaders"];
            secret_token?: components["schemas"]["SecretTokenOrNull"];
        };
        CreateServerRequest: {
            config: components["schemas"]["CreateServerConfig"];
        };
        /** @description Either {config:{…}} or the same fields flat, not both */
        UpdateServerRequest: {
            config?: components["schemas"]["UpdateServerConfig"];
            url?: string;
            name?: string;
            approval_policy?: components["schemas"]["ApprovalPolicy"];
            transport?: components["schemas"]["Transport"];
            description?: string;
            request_headers?: components["schemas"]["RequestHeaders"];
            secret_token?: components["schemas"]["SecretTokenOrNull"];
        };
        Server: {
            id: string;
            organization_id: string;
            server_url: string;
            server_name: string;
            approval_policy: components["schemas"]["ApprovalPolicy"];
            transport: components["schemas"]["Transport"];
            description: string;
            created_at: components["schemas"]["EpochMillis"];
            updated_at: components["schemas"]["EpochMillis"];
        };
        ServerDetail: {
            id: string;
            organization_id: string;
            server_url: string;
            server_name: string;
            approval_policy: components["schemas"]["ApprovalPolicy"];
            transport: components["schemas"]["Transport"];
            description: string;
            created_at: components["schemas"]["EpochMillis"];
            updated_at: components["schemas"]["EpochMillis"];
            /** @description header names, each value masked as ******** */
            request_headers: {
                [key: string]: "********";
            };
            secret_token_id: string | null;
            /**
             * @description Present when the server is connected through a person's OAuth consent (set through the
             *     Aitronos dialect, an import, or by connecting a server that has no credentials):
             *     whether each user connects their own account, the client registered beforehand if any,
             *     and the scopes to ask for. Never a secret or a token; the connection itself is
             *     GET /api/mcp-servers/{id}/oauth.
             */
            oauth?: {
                per_user: boolean;
                client_id: string | null;
                scope: string | null;
            };
            tool_approval_hashes: {
                tool_name: string;
                tool_hash: string;
                approval_policy: components["schemas"]["ToolApprovalState"];
            }[];
            dependent_agents: Record<string, unknown>[];
        };
        Secret: {
            secret_id: string;
            name: string;
            created_at: components["schemas"]["EpochMillis"];
            updated_at: components["schemas"]["EpochMillis"];
            used_by: {
                id: string;
                server_name: string;
            }[];
        };
        SuccessFields: {
            message: string;
            /** @enum {string} */
            status: "success";
            /** @enum {string|null} */
            error: null;
            data?: unknown;
        };
        ServerEnvelope: components["schemas"]["SuccessFields"] & {
            data: components["schemas"]["Server"];
        };
        ServerDetailEnvelope: components["schemas"]["SuccessFields"] & {
            data: components["schemas"]["ServerDetail"];
        };
        SecretEnvelope: components["schemas"]["SuccessFields"] & {
            data: components["schemas"]["Secret"];
        };
        ServerListEnvelope: components["schemas"]["SuccessFields"] & {
            data: {
                servers: components["schemas"]["Server"][];
                total_count: number;
                page: number;
                limit: number;
                total_pages: number;
                has_next: boolean;
                has_previous: boolean;
                filters: {
                    search: string | null;
                    /** @enum {string} */
                    sort: "created_at" | "updated_at" | "name";
                    /** @enum {string} */
                    order: "asc" | "desc";
                };
            };
        };
        UrlValidationEnvelope: components["schemas"]["SuccessFields"] & {
            data: {
                valid: boolean;
                url: string;
                checks: {
                    format_valid: boolean;
                    is_duplicate: boolean;
                    /** @enum {string} */
                    connectivity_test: "skipped" | "success" | "failed";
                };
                recommendations: string[];
            };
        };
        /** @enum {string} */
        ApprovalStatus: "pending" | "approved" | "denied" | "expired" | "used";
        ApprovalRequest: {
            id: string;
            organization_id: string;
            server_id: string;
            tool_name: string;
            tool_hash: string;
            arguments_hash: string;
            /** @description the held call's arguments, as the agent sent them (any JSON value) */
            arguments: unknown;
            caller_key_id: string;
            caller_user_id: string | null;
            status: components["schemas"]["ApprovalStatus"];
            requested_at: components["schemas"]["EpochMillis"];
            expires_at: components["schemas"]["EpochMillis"];
            decided_at: number | null;
            decided_by_key_id: string | null;
            decided_by_user_id: string | null;
            reason: string | null;
            approve_always: boolean;
            used_at: number | null;
        };
        ApprovalRequestEnvelope: components["schemas"]["SuccessFields"] & {
            data: components["schemas"]["ApprovalRequest"];
        };
        ApprovalRequestListEnvelope: components["schemas"]["SuccessFields"] & {
            data: {
                approval_requests: components["schemas"]["ApprovalRequest"][];
                total_count: number;
                page: number;
                limit: number;
                total_pages: number;
                has_next: boolean;
                has_previous: boolean;
            };
        };
        AuditEvent: {
            sequence: number;
            at: components["schemas"]["EpochMillis"];
            actor: {
                key_id: string | null;
                user_id: string | null;
                dialect: string | null;
            };
            action: string;
            target_type: string;
            target_id: string | null;
            fields: string[];
            outcome: string;
            /** @description facts besides field names (a tool, a rule, a count); never a credential, header value or argument */
            detail: {
                [key: string]: unknown;
            };
            request_id: string | null;
            previous_hash: string;
            hash: string;
        };
        AuditEventListEnvelope: components["schemas"]["SuccessFields"] & {
            data: {
                events: components["schemas"]["AuditEvent"][];
                total_count: number;
                page: number;
                limit: number;
                total_pages: number;
                has_next: boolean;
                has_previous: boolean;
            };
        };
    };
    responses: {
        /** @description An error in the Zudu envelope */
        Error: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    message: string;
                    /** @enum {string} */
                    status: "error";
                    error: string;
                    request_id: string;
                };
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listMcpServers: {
        parameters: {
            query?: {
                /** @description from 0 */
                page?: number;
                limit?: number;
                sort?: "created_at" | "updated_at" | "name";
                order?: "asc" | "desc";
                /** @description case-insensitive substring of the name, description or URL */
                search?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerListEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMcpServer: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateServerRequest"];
            };
        };
        responses: {
            /** @description Created */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    validateMcpServerUrl: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    url: string;
                };
            };
        };
        responses: {
            /** @description The checks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UrlValidationEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getMcpServer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The server */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerDetailEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMcpServer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            id: string;
                            /** @enum {boolean} */
                            deleted: true;
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateMcpServer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateServerRequest"];
            };
        };
        responses: {
            /** @description The updated server */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerDetailEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listLiveTools: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The live tool list */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            name: string;
                            description: string | null;
                            inputSchema: Record<string, unknown>;
                            /** @enum {string} */
                            approval_state: "auto_approved" | "requires_approval" | "stale";
                            /** @description whether the tool configuration (set through the Aitronos dialect) lets agents use it */
                            enabled: boolean;
                        }[];
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    connectOAuth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    scope?: string;
                };
            };
        };
        responses: {
            /** @description The consent was started */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            authorization_url: string;
                            /** @description epoch milliseconds */
                            expires_at: number;
                            issuer: string;
                            scope: string | null;
                            per_user: boolean;
                            /** @enum {string} */
                            client_registration: "pre_registered" | "metadata_document" | "dynamic_registration";
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getOAuthConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The connection */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            per_user: boolean;
                            connected: boolean;
                            /** @enum {string} */
                            status: "not_connected" | "active" | "reconnect";
                            status_reason: string | null;
                            issuer: string | null;
                            scope: string | null;
                            needed_scope: string | null;
                            access_token_expires_at: number | null;
                            connected_at: number | null;
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    disconnectOAuth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Disconnected */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            id: string;
                            disconnected: boolean;
                            revoked: boolean;
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateApprovalPolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    approval_policy: components["schemas"]["ApprovalPolicy"];
                };
            };
        };
        responses: {
            /** @description The new policy */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            id: string;
                            organization_id: string;
                            server_name: string;
                            approval_policy: components["schemas"]["ApprovalPolicy"];
                            updated_at: components["schemas"]["EpochMillis"];
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    addToolApproval: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    tool_name: string;
                    tool_description?: string | null;
                    input_schema?: Record<string, unknown>;
                    tool_hash?: string;
                    approval_policy?: components["schemas"]["ToolApprovalState"];
                };
            };
        };
        responses: {
            /** @description The approval and its server */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            tool_name: string;
                            tool_hash: string;
                            approval_policy: components["schemas"]["ToolApprovalState"];
                            server: {
                                id: string;
                                server_name: string;
                                approval_policy: components["schemas"]["ApprovalPolicy"];
                            };
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    removeToolApproval: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                tool_name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The server with its remaining approvals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerDetailEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listSecrets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The secrets */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            secrets: components["schemas"]["Secret"][];
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createSecret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description optional; keeps references intact when migrating */
                    secret_id?: string;
                    name: string;
                    value: string;
                };
            };
        };
        responses: {
            /** @description Created */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SecretEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                secret_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SecretEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                secret_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuccessFields"] & {
                        data: {
                            secret_id: string;
                            /** @enum {boolean} */
                            deleted: true;
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                secret_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    value?: string;
                };
            };
        };
        responses: {
            /** @description The secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SecretEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listApprovalRequests: {
        parameters: {
            query?: {
                /** @description from 0 */
                page?: number;
                limit?: number;
                server_id?: string;
                status?: components["schemas"]["ApprovalStatus"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequestListEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getApprovalRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequestEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    approveApprovalRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    approve_always?: boolean;
                };
            };
        };
        responses: {
            /** @description The approved request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequestEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    denyApprovalRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description The denied request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequestEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listAuditEvents: {
        parameters: {
            query?: {
                /** @description from 0 */
                page?: number;
                limit?: number;
                /** @description events at or after this instant (epoch ms) */
                since?: number;
                /** @description events before this instant (epoch ms) */
                until?: number;
                action?: string;
                target_id?: string;
                /** @description a key id or a user id */
                actor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEventListEnvelope"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
}
