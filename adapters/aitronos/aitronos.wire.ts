/**
 * Generated from schemas/aitronos.openapi.yaml by scripts/wire-types.js (npm run generate:wire).
 * Do not edit: change the contract and regenerate; `npm run typecheck` fails while this is stale.
 */

export interface paths {
    "/mcp-configurations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the configurations of an organization */
        get: operations["listMcpConfigurations"];
        put?: never;
        /** Create a configuration */
        post: operations["createMcpConfiguration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-configurations/{config_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        /** Get one configuration */
        get: operations["getMcpConfiguration"];
        /** Update a configuration (partial; absent fields keep their value) */
        put: operations["updateMcpConfiguration"];
        post?: never;
        /** Delete a configuration (soft delete; its credentials are erased) */
        delete: operations["deleteMcpConfiguration"];
        options?: never;
        head?: never;
        /** Update a configuration (same behaviour as PUT) */
        patch: operations["patchMcpConfiguration"];
        trace?: never;
    };
    "/mcp-configurations/{config_id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Connect to the server now, list its tools, and store the outcome
         * @description An unreachable or misbehaving server is a 200 with success false and a failure_class;
         *     only an unknown configuration is an error (404).
         */
        post: operations["testMcpConfiguration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-configurations/{config_id}/oauth/connect": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start the OAuth consent for a server and get the URL to open in a browser
         * @description Discovers the server's authorization server (RFC 9728, RFC 8414), registers the gateway
         *     there if needed, and returns the authorization URL (code flow with PKCE S256, state and
         *     the RFC 8707 resource). Open it in a browser; the authorization server sends the browser
         *     back to the gateway's /oauth/callback, which stores the tokens encrypted. For a per-user
         *     server the caller connects its own account; otherwise admins or the server's creator
         *     connect it for the organization. A failed discovery step is a 502 naming the step.
         */
        post: operations["connectMcpConfigurationOAuth"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-configurations/{config_id}/oauth": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        /** The caller's OAuth connection to the server (its own for a per-user server); never a token */
        get: operations["getMcpConfigurationOAuth"];
        put?: never;
        post?: never;
        /** Revoke the tokens at the authorization server (RFC 7009, when offered) and delete them */
        delete: operations["disconnectMcpConfigurationOAuth"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the approval requests of an organization (admins see all; members, those on servers they own) */
        get: operations["listApprovalRequests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests/{request_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                request_id: string;
            };
            cookie?: never;
        };
        /** Get one approval request, with the held call's arguments (those who may decide only) */
        get: operations["getApprovalRequest"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests/{request_id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                request_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve the held call (once); approve_always also approves the tool at its current definition */
        post: operations["approveApprovalRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/approval-requests/{request_id}/deny": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                request_id: string;
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
        /** Read an organization's audit trail, newest first (admins only) */
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
        OrganizationId: string;
        /** @enum {string} */
        ConfigurationType: "custom" | "streamline" | "personal_connector";
        SecretValue: string;
        /**
         * @description Depends on auth_type. bearer_token: {token}. api_key: {api_key, header_name?}
         *     (header_name defaults to X-API-Key). oauth: {client_id, client_secret, token_url, scope?}
         *     for the client-credentials grant, or {access_token}, or {grant_type: authorization_code,
         *     per_user?, scope?, client_id?, client_secret?} for a server a user connects through the
         *     OAuth consent flow (client_id: a client registered beforehand; without it the gateway
         *     registers itself). none: absent or {}. Stored encrypted and never returned.
         */
        Credentials: {
            token?: components["schemas"]["SecretValue"];
            api_key?: components["schemas"]["SecretValue"];
            header_name?: string;
            client_id?: string;
            client_secret?: components["schemas"]["SecretValue"];
            token_url?: string;
            scope?: string | null;
            access_token?: components["schemas"]["SecretValue"];
            /** @enum {string} */
            grant_type?: "authorization_code";
            /** @description each user connects their own account (authorization_code only) */
            per_user?: boolean;
        };
        OAuthConsentStarted: {
            /** @description open it in a browser */
            authorizationUrl: string;
            /**
             * Format: date-time
             * @description the consent must come back before this
             */
            expiresAt: string;
            issuer: string;
            scope: string | null;
            perUser: boolean;
            /** @enum {string} */
            clientRegistration: "pre_registered" | "metadata_document" | "dynamic_registration";
        };
        OAuthConnection: {
            perUser: boolean;
            connected: boolean;
            /** @enum {string} */
            status: "not_connected" | "active" | "reconnect";
            statusReason: string | null;
            issuer: string | null;
            scope: string | null;
            /** @description what a step-up consent will ask for */
            neededScope: string | null;
            /** Format: date-time */
            accessTokenExpiresAt: string | null;
            /** Format: date-time */
            connectedAt: string | null;
        };
        ToolConfigurationInput: {
            enabled?: boolean;
            /** @description null means every tool the server offers */
            allowed_tools?: string[] | null;
        };
        CreateConfiguration: {
            name: string;
            organization_id: components["schemas"]["OrganizationId"];
            /** @description An http:// or https:// URL without user name or password */
            server_url: string;
            /**
             * @description stdio is refused with 422, since a hosted gateway cannot start a local process
             * @enum {string}
             */
            transport_type: "sse" | "streamable_http" | "stdio";
            /**
             * @description bearer is accepted as an alias of bearer_token
             * @enum {string}
             */
            auth_type: "none" | "api_key" | "bearer_token" | "bearer" | "oauth";
            credentials?: components["schemas"]["Credentials"];
            tool_configuration?: components["schemas"]["ToolConfigurationInput"];
        };
        UpdateConfiguration: {
            name?: string;
            server_url?: string;
            is_active?: boolean;
            credentials?: components["schemas"]["Credentials"];
            tool_configuration?: components["schemas"]["ToolConfigurationInput"];
        };
        Configuration: {
            id: string;
            name: string;
            type: components["schemas"]["ConfigurationType"];
            organizationId: string;
            userId: string | null;
            serverUrl: string;
            /** @enum {string} */
            transportType: "sse" | "streamable_http";
            /** @enum {string} */
            authType: "none" | "api_key" | "bearer_token" | "oauth";
            isActive: boolean;
            /** @enum {string} */
            connectionStatus: "untested" | "connected" | "failed";
            /** Format: date-time */
            lastConnectedAt: string | null;
            errorMessage: string | null;
            toolConfiguration: {
                enabled: boolean;
                allowedTools: string[] | null;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        ConnectionTestResult: {
            success: boolean;
            /** @enum {string} */
            status: "connected" | "failed";
            message: string;
            /** @description names of every tool the server offers, or null when the test failed */
            available_tools: string[] | null;
            /** @description the discovered tools that tool_configuration lets agents use */
            enabled_tools: string[] | null;
            /** @enum {string|null} */
            failure_class: "transport" | "tls" | "timeout" | "auth" | "protocol" | "blocked" | "config" | "busy" | null;
            latency_ms: number;
            protocol_version: string | null;
            server_info: {
                name: string;
                version: string;
            } | null;
        };
        ConfigurationList: {
            configurations: components["schemas"]["Configuration"][];
            total: number;
        };
        /** @enum {string} */
        ApprovalStatus: "pending" | "approved" | "denied" | "expired" | "used";
        ApproveInput: {
            /** @description Also approve the tool for its current definition (auto_approved at this tool_hash), so the next calls pass without asking until it changes */
            approve_always?: boolean;
        };
        DenyInput: {
            reason: string;
        };
        ApprovalRequest: {
            id: string;
            organizationId: string;
            serverId: string;
            tool: string;
            toolHash: string;
            argumentsHash: string;
            /** @description The held call's arguments, as the agent sent them (any JSON value) */
            arguments: unknown;
            callerKeyId: string;
            callerUserId: string | null;
            status: components["schemas"]["ApprovalStatus"];
            /** Format: date-time */
            requestedAt: string;
            /** Format: date-time */
            expiresAt: string;
            /** Format: date-time */
            decidedAt: string | null;
            decidedByKeyId: string | null;
            decidedByUserId: string | null;
            reason: string | null;
            approveAlways: boolean;
            /** Format: date-time */
            usedAt: string | null;
        };
        ApprovalRequestList: {
            approvalRequests: components["schemas"]["ApprovalRequest"][];
            total: number;
        };
        AuditEvent: {
            sequence: number;
            /** Format: date-time */
            at: string;
            actor: {
                keyId: string | null;
                userId: string | null;
                dialect: string | null;
            };
            action: string;
            targetType: string;
            targetId: string | null;
            fields: string[];
            outcome: string;
            /** @description facts besides field names (a tool, a rule, a count); never a credential, header value or argument */
            detail: {
                [key: string]: unknown;
            };
            requestId: string | null;
            previousHash: string;
            hash: string;
        };
        AuditEventList: {
            events: components["schemas"]["AuditEvent"][];
            total: number;
        };
        ErrorResponse: {
            /** @enum {boolean} */
            success: false;
            error: {
                code: string;
                message: string;
                system_message: string;
                /** @enum {string} */
                type: "client_error" | "authentication_error" | "not_found_error" | "server_error";
                status: number;
                details: Record<string, unknown>;
                trace_id: string;
                /** Format: date-time */
                timestamp: string;
            };
        };
    };
    responses: {
        /** @description An error in the Aitronos envelope */
        Error: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"];
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
    listMcpConfigurations: {
        parameters: {
            query: {
                organization_id: components["schemas"]["OrganizationId"];
                type?: components["schemas"]["ConfigurationType"];
                is_active?: boolean;
                /** @description Gateway extension. Without it every configuration is returned, as in the original API. */
                limit?: number;
                /** @description Gateway extension, used with limit. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The configurations, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConfigurationList"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMcpConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateConfiguration"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Configuration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getMcpConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The configuration */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Configuration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateMcpConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateConfiguration"];
            };
        };
        responses: {
            /** @description The updated configuration */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Configuration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMcpConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    patchMcpConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateConfiguration"];
            };
        };
        responses: {
            /** @description The updated configuration */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Configuration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    testMcpConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The outcome of the connection test */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectionTestResult"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    connectMcpConfigurationOAuth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description the scopes to ask for (default the configured ones, else the server's challenge or scopes_supported) */
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
                    "application/json": components["schemas"]["OAuthConsentStarted"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getMcpConfigurationOAuth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
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
                    "application/json": components["schemas"]["OAuthConnection"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    disconnectMcpConfigurationOAuth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                config_id: string;
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
                    "application/json": {
                        disconnected: boolean;
                        /** @description false when the authorization server offers no revocation or refused it */
                        revoked: boolean;
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listApprovalRequests: {
        parameters: {
            query: {
                organization_id: components["schemas"]["OrganizationId"];
                server_id?: string;
                status?: components["schemas"]["ApprovalStatus"];
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The requests, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequestList"];
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
                request_id: string;
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
                    "application/json": components["schemas"]["ApprovalRequest"];
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
                request_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ApproveInput"];
            };
        };
        responses: {
            /** @description The approved request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequest"];
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
                request_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DenyInput"];
            };
        };
        responses: {
            /** @description The denied request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalRequest"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listAuditEvents: {
        parameters: {
            query: {
                organization_id: components["schemas"]["OrganizationId"];
                /** @description Events at or after this instant */
                since?: string;
                /** @description Events before this instant */
                until?: string;
                action?: string;
                target_id?: string;
                /** @description A key id or a user id */
                actor?: string;
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEventList"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
}
