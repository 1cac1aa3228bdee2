// The operator console's page. Plain browser JavaScript, no framework and no build step: every
// tenant- or upstream-written text goes onto the page through text nodes (h() below), never as
// HTML, and the page's Content-Security-Policy admits only this file and console.css.

(() => {
  const state = { session: null, csrf: null, org: null, pollTimer: null, pendingCount: null };

  // ---- DOM helpers -------------------------------------------------------------------------

  /** An element with attributes, listeners (on*) and children; strings become text nodes. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (key === 'value') el.value = value;
      else if (key === 'checked') el.checked = Boolean(value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const $ = (id) => document.getElementById(id);
  const main = () => $('main');

  function show(...nodes) {
    const root = main();
    root.replaceChildren(...nodes);
  }

  function announce(text) {
    $('announce').textContent = '';
    setTimeout(() => {
      $('announce').textContent = text;
    }, 30);
  }

  /** "3 min ago", with the exact time on hover and for assistive technology. */
  function when(ms) {
    if (ms === null || ms === undefined) return h('span', { class: 'muted' }, 'never');
    const exact = new Date(ms).toISOString();
    const diff = Date.now() - ms;
    const abs = Math.abs(diff);
    const units = [
      [86400000, 'day'],
      [3600000, 'hour'],
      [60000, 'minute'],
      [1000, 'second'],
    ];
    let text = 'just now';
    for (const [size, name] of units) {
      if (abs >= size) {
        const n = Math.floor(abs / size);
        text = diff >= 0 ? `${n} ${name}${n === 1 ? '' : 's'} ago` : `in ${n} ${name}${n === 1 ? '' : 's'}`;
        break;
      }
    }
    return h('time', { datetime: exact, title: exact }, text);
  }

  const badge = (text, kind) => h('span', { class: `badge ${kind || text}` }, text.replace(/_/g, ' '));

  /** Previous / "21–40 of 300" / Next, over a filter's offset and limit. */
  function pager(filter, page, reload) {
    const move = (delta) => () => {
      filter.offset = Math.max(0, filter.offset + delta);
      reload();
    };
    const to = filter.offset + page.items.length;
    return h(
      'div',
      { class: 'pager' },
      h('button', { type: 'button', disabled: filter.offset === 0, onclick: move(-filter.limit) }, 'Previous'),
      h('span', {}, `${filter.offset + 1}–${to} of ${page.total}`),
      h('button', { type: 'button', disabled: to >= page.total, onclick: move(filter.limit) }, 'Next'),
    );
  }

  function errorNotice(error, retry) {
    return h(
      'div',
      { class: 'notice bad', role: 'alert' },
      h('p', {}, error.message || 'Something went wrong.'),
      retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null,
    );
  }

  // ---- API -----------------------------------------------------------------------------------

  let inFlight = 0;
  let busyTimer = null;
  function busy(delta) {
    inFlight += delta;
    if (inFlight > 0 && busyTimer === null)
      // Only for what is slower than a blink.
      busyTimer = setTimeout(() => {
        $('busy').hidden = false;
      }, 150);
    if (inFlight === 0) {
      clearTimeout(busyTimer);
      busyTimer = null;
      $('busy').hidden = true;
    }
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.error?.message || `The gateway answered ${status}`);
      this.status = status;
      this.code = body?.error?.code;
      this.field = body?.error?.field;
    }
  }

  async function api(method, path, body, options) {
    const headers = { Accept: 'application/json' };
    if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (!options?.quiet) busy(1);
    try {
      const res = await fetch(`/console/api${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
      const data = res.status === 204 ? null : await res.json().catch(() => null);
      if (res.status === 401 && path !== '/session') {
        signedOut('Your session has ended. Sign in again.');
        throw new ApiError(401, data);
      }
      if (!res.ok) throw new ApiError(res.status, data);
      return data;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new Error('The gateway could not be reached. Check that it is running, then try again.');
    } finally {
      if (!options?.quiet) busy(-1);
    }
  }

  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  };

  // ---- Session -------------------------------------------------------------------------------

  const isAdmin = () => state.session?.principal.role === 'admin';
  const canManage = (server) => isAdmin() || (server.ownerId !== null && server.ownerId === state.session?.principal.userId);

  function signedOut(message) {
    stopPolling();
    state.session = null;
    state.csrf = null;
    $('nav').hidden = true;
    $('nav').replaceChildren();
    $('who').replaceChildren();
    renderSignIn(message);
  }

  function signedIn(session) {
    state.session = session;
    state.csrf = session.csrfToken;
    const orgs = session.principal.organizationIds;
    if (!orgs.includes(state.org)) state.org = orgs[0];
    renderChrome();
    route();
  }

  function renderSignIn(message) {
    const error = h('p', { id: 'signin-error', class: 'field-error', role: 'alert' }, message || '');
    const key = h('input', { id: 'signin-key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'signin-key-hint' });
    const secret = h('input', { id: 'signin-secret', type: 'password', autocomplete: 'off', 'aria-describedby': 'signin-secret-hint' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
    const form = h(
      'form',
      {
        class: 'signin card',
        'aria-labelledby': 'signin-title',
        onsubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          error.textContent = '';
          try {
            const body = { key: key.value.trim() };
            if (secret.value.trim()) body.secret = secret.value.trim();
            const session = await api('POST', '/session', body);
            key.value = '';
            secret.value = '';
            if (!location.hash || location.hash === '#/signin') location.hash = '#/servers';
            signedIn(session);
          } catch (e) {
            error.textContent =
              e.status === 401 ? 'That key was not accepted: check it (and its secret, for a Zudu key pair) and that it is not revoked.' : e.message;
            key.focus();
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h1', { id: 'signin-title' }, 'Sign in to the console'),
      h('p', { class: 'muted' }, 'Use a gateway API key of either dialect. The key is exchanged for a session and is not kept in this page.'),
      h('label', { for: 'signin-key' }, 'API key'),
      key,
      h('p', { id: 'signin-key-hint', class: 'hint' }, 'An Aitronos key (ak_…) or a Zudu key (sk_…) with its secret.'),
      h('label', { for: 'signin-secret' }, 'API secret ', h('span', { class: 'hint' }, '(Zudu key pairs only)')),
      secret,
      h('p', { id: 'signin-secret-hint', class: 'hint' }, 'Leave empty for an Aitronos key.'),
      error,
      h('div', { class: 'actions' }, submit),
    );
    show(form);
    key.focus();
  }

  function renderChrome() {
    const nav = $('nav');
    const links = [['#/servers', 'Servers'], ['#/approvals', 'Approvals'], ...(isAdmin() ? [['#/audit', 'Audit']] : []), ['#/secrets', 'Secrets']];
    nav.replaceChildren(
      ...links.map(([href, label]) =>
        h('a', { href, 'data-section': href.slice(2) }, label, href === '#/approvals' ? h('span', { id: 'pending-count', class: 'muted' }) : null),
      ),
    );
    nav.hidden = false;
    const p = state.session.principal;
    const orgs = p.organizationIds;
    const orgControl =
      orgs.length > 1
        ? h(
            'label',
            { class: 'inline' },
            'Organization',
            h(
              'select',
              {
                id: 'org',
                onchange: (e) => {
                  state.org = e.target.value;
                  route();
                },
              },
              orgs.map((o) => h('option', { value: o, selected: o === state.org }, o)),
            ),
          )
        : h('span', {}, `Organization ${orgs[0]}`);
    $('who').replaceChildren(
      orgControl,
      h('span', {}, `${p.role}${p.userId ? ` · ${p.userId}` : ''}`),
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            await api('DELETE', '/session').catch(() => undefined);
            signedOut('Signed out.');
          },
        },
        'Sign out',
      ),
    );
    startPolling();
  }

  // Pending approvals are counted in the background, so the queue is visible from every view.
  function startPolling() {
    stopPolling();
    const tick = async () => {
      if (!state.session) return;
      try {
        const { total } = await api('GET', `/approvals${query({ organizationId: state.org, status: 'pending', limit: 1 })}`, undefined, { quiet: true });
        const el = $('pending-count');
        if (el) el.textContent = total ? ` (${total})` : '';
        if (state.pendingCount !== null && total !== state.pendingCount && currentSection() === 'approvals') renderApprovals(true);
        state.pendingCount = total;
      } catch {
        // The next tick tries again; a 401 has already signed out.
      }
    };
    tick();
    state.pollTimer = setInterval(tick, 3000);
  }

  function stopPolling() {
    if (state.pollTimer) clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  // ---- Routing -------------------------------------------------------------------------------

  const currentSection = () => (location.hash.replace(/^#\//, '').split('/')[0] || 'servers').split('?')[0];

  function route() {
    if (!state.session) return renderSignIn();
    const parts = location.hash.replace(/^#\//, '').split('/').map(decodeURIComponent);
    const section = parts[0] || 'servers';
    for (const a of $('nav').querySelectorAll('a')) {
      if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (section === 'servers' && parts[1] === 'new') return renderServerForm(null);
    if (section === 'servers' && parts[1] && parts[2] === 'edit') return renderServerForm(parts[1]);
    if (section === 'servers' && parts[1]) return renderServer(parts[1]);
    if (section === 'approvals') return renderApprovals();
    if (section === 'audit') return renderAudit();
    if (section === 'secrets') return renderSecrets();
    return renderServers();
  }

  window.addEventListener('hashchange', () => {
    route();
    main().focus({ preventScroll: true });
  });

  // ---- Servers -------------------------------------------------------------------------------

  const list = { search: '', sort: 'created_at', order: 'asc', offset: 0, limit: 25 };

  async function renderServers() {
    const search = h('input', { id: 'server-search', type: 'search', value: list.search, placeholder: 'name, description or URL' });
    const sort = h(
      'select',
      { id: 'server-sort' },
      [
        ['created_at', 'Created'],
        ['updated_at', 'Updated'],
        ['name', 'Name'],
      ].map(([v, l]) => h('option', { value: v, selected: v === list.sort }, l)),
    );
    const order = h(
      'select',
      { id: 'server-order' },
      [
        ['asc', 'Ascending'],
        ['desc', 'Descending'],
      ].map(([v, l]) => h('option', { value: v, selected: v === list.order }, l)),
    );
    const results = h('div', { id: 'server-results' });
    let debounce = null;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        list.search = search.value;
        list.offset = 0;
        load();
      }, 250);
    });
    sort.addEventListener('change', () => {
      list.sort = sort.value;
      list.offset = 0;
      load();
    });
    order.addEventListener('change', () => {
      list.order = order.value;
      list.offset = 0;
      load();
    });
    show(
      h('h1', {}, 'Servers'),
      h(
        'div',
        { class: 'toolbar' },
        h('div', {}, h('label', { for: 'server-search' }, 'Search'), search),
        h('div', {}, h('label', { for: 'server-sort' }, 'Sort by'), sort),
        h('div', {}, h('label', { for: 'server-order' }, 'Order'), order),
        h('a', { class: 'button primary', href: '#/servers/new' }, 'New server'),
      ),
      results,
    );

    async function load() {
      try {
        const page = await api(
          'GET',
          `/servers${query({ organizationId: state.org, search: list.search, sort: list.sort, order: list.order, limit: list.limit, offset: list.offset })}`,
        );
        results.replaceChildren(serversTable(page, load));
      } catch (e) {
        results.replaceChildren(errorNotice(e, load));
      }
    }
    await load();
  }

  function serversTable(page, reload) {
    if (page.total === 0)
      return h(
        'div',
        { class: 'notice' },
        list.search
          ? h('p', {}, `No server matches “${list.search}”. Try a shorter term, or clear the search.`)
          : h('p', {}, 'No servers in this organization yet. Create one with New server, or through either API.'),
      );
    const cols = ['Name', 'URL', 'Transport', 'Auth', 'Active', 'Status', 'Last connected', 'Tools'];
    const rows = page.items.map((s) =>
      h(
        'tr',
        {},
        h('td', { 'data-label': cols[0] }, h('a', { href: `#/servers/${encodeURIComponent(s.id)}` }, s.name)),
        h('td', { 'data-label': cols[1] }, s.url),
        h('td', { 'data-label': cols[2] }, s.transport),
        h('td', { 'data-label': cols[3] }, s.authType),
        h('td', { 'data-label': cols[4] }, s.isActive ? 'yes' : 'no'),
        h('td', { 'data-label': cols[5] }, statusCell(s)),
        h('td', { 'data-label': cols[6] }, when(s.lastConnectedAt)),
        h('td', { 'data-label': cols[7] }, s.toolCount === null ? '—' : String(s.toolCount)),
      ),
    );
    return h(
      'div',
      {},
      h(
        'table',
        { class: 'stack' },
        h('caption', { class: 'visually-hidden' }, 'Servers'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            cols.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
      pager(list, page, reload),
    );
  }

  function statusCell(s) {
    return h(
      'div',
      {},
      badge(s.status),
      s.failureClass ? h('span', { class: 'muted' }, ` ${s.failureClass}`) : null,
      s.message && s.status === 'failed' ? h('div', { class: 'muted' }, s.message) : null,
    );
  }

  async function renderServer(id) {
    show(h('h1', {}, 'Server'), h('p', { class: 'muted' }, 'Loading…'));
    let s;
    try {
      s = await api('GET', `/servers/${encodeURIComponent(id)}`);
    } catch (e) {
      return show(
        h('h1', {}, 'Server'),
        errorNotice(e, () => renderServer(id)),
        h('a', { href: '#/servers' }, 'Back to servers'),
      );
    }
    const outcome = h('div', { id: 'test-outcome', 'aria-live': 'polite' });
    const testButton = h('button', { type: 'button', class: 'primary' }, 'Test now');
    testButton.addEventListener('click', async () => {
      testButton.disabled = true;
      outcome.replaceChildren(h('p', { class: 'muted' }, 'Testing the connection…'));
      try {
        const r = await api('POST', `/servers/${encodeURIComponent(id)}/test`);
        outcome.replaceChildren(
          h(
            'div',
            { class: `notice ${r.success ? 'ok' : 'bad'}` },
            h('p', {}, badge(r.success ? 'connected' : 'failed'), r.failureClass ? ` ${r.failureClass}: ` : ' ', r.message, ` (${r.latencyMs} ms)`),
            r.serverInfo ? h('p', { class: 'muted' }, `${r.serverInfo.name} ${r.serverInfo.version} · protocol ${r.protocolVersion}`) : null,
          ),
        );
        announce(r.success ? 'Connection test succeeded' : `Connection test failed: ${r.message}`);
        renderDetail(r.server);
      } catch (e) {
        outcome.replaceChildren(errorNotice(e));
      } finally {
        testButton.disabled = false;
      }
    });
    const body = h('div', {});
    const renderDetail = (server) => body.replaceChildren(...detailSections(server));
    renderDetail(s);
    const manage = canManage(s)
      ? [
          h('a', { class: 'button', href: `#/servers/${encodeURIComponent(id)}/edit` }, 'Edit'),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                if (!confirm(`Delete the server “${s.name}”? Agents lose it at once; this cannot be undone.`)) return;
                try {
                  await api('DELETE', `/servers/${encodeURIComponent(id)}`);
                  announce('Server deleted');
                  location.hash = '#/servers';
                } catch (e) {
                  outcome.replaceChildren(errorNotice(e));
                }
              },
            },
            'Delete',
          ),
        ]
      : [];
    show(h('p', {}, h('a', { href: '#/servers' }, '← Servers')), h('h1', {}, s.name), h('div', { class: 'actions' }, testButton, ...manage), outcome, body);
  }

  function detailSections(s) {
    const auth = s.auth;
    const authText = [
      auth.type,
      auth.grant,
      auth.headerName && `header ${auth.headerName}`,
      auth.secretId && `secret ${auth.secretId}`,
      auth.clientId && `client ${auth.clientId}`,
      auth.tokenUrl,
      auth.scope && `scope ${auth.scope}`,
    ]
      .filter(Boolean)
      .join(' · ');
    const fields = [
      ['Id', s.id],
      ['Organization', s.organizationId],
      ['Type', s.type],
      ['Description', s.description || '—'],
      ['URL', s.url],
      ['Transport', s.transport],
      ['Authentication', authText],
      ['Request headers', s.requestHeaderNames.length ? s.requestHeaderNames.join(', ') + ' (values hidden)' : 'none'],
      ['Active', s.isActive ? 'yes' : 'no'],
      ['Tools enabled', s.toolPolicy.enabled ? 'yes' : 'no'],
      ['Allowed tools', s.toolPolicy.allowedTools === null ? 'all' : s.toolPolicy.allowedTools.join(', ') || 'none'],
      ['Approval policy', s.toolPolicy.approvalPolicy.replace(/_/g, ' ')],
      ['Status', statusCell(s)],
      ['Last tested', when(s.lastTestedAt)],
      ['Last connected', when(s.lastConnectedAt)],
      ['Owner', s.ownerId || '—'],
      ['Created', when(s.createdAt)],
      ['Updated', when(s.updatedAt)],
    ];
    const tools = s.tools.length
      ? h(
          'table',
          { class: 'stack', id: 'tools' },
          h('caption', { class: 'visually-hidden' }, 'Discovered tools'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Tool', 'Description', 'Enabled', 'Approval', 'Definition'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            s.tools.map((t) =>
              h(
                'tr',
                {},
                h('td', { 'data-label': 'Tool' }, h('code', {}, t.name)),
                h('td', { 'data-label': 'Description' }, t.description || '—'),
                h('td', { 'data-label': 'Enabled' }, t.enabled ? 'yes' : 'no'),
                h('td', { 'data-label': 'Approval' }, badge(t.approvalState)),
                h(
                  'td',
                  { 'data-label': 'Definition' },
                  t.definitionChanged
                    ? h(
                        'div',
                        {},
                        h('p', {}, 'Changed since it was approved: approve it again.'),
                        h('p', { class: 'muted' }, `approved ${t.approvedHash.slice(0, 12)}…, now ${t.currentHash.slice(0, 12)}…`),
                      )
                    : h('span', { class: 'muted' }, `${t.currentHash.slice(0, 12)}…`),
                  h('details', {}, h('summary', {}, 'Input schema'), h('pre', {}, JSON.stringify(t.inputSchema, null, 2))),
                ),
              ),
            ),
          ),
        )
      : h(
          'div',
          { class: 'notice' },
          h('p', {}, s.lastTestedAt ? 'The last test found no tools.' : 'No tools discovered yet: press Test now to connect and list them.'),
        );
    return [
      h(
        'dl',
        { class: 'fields' },
        fields.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
      h('h2', {}, 'Tools'),
      tools,
    ];
  }

  // ---- Server form ---------------------------------------------------------------------------

  async function renderServerForm(id) {
    let s = null;
    if (id) {
      try {
        s = await api('GET', `/servers/${encodeURIComponent(id)}`);
      } catch (e) {
        return show(
          h('h1', {}, 'Edit server'),
          errorNotice(e, () => renderServerForm(id)),
        );
      }
    }
    const controls = {};
    const errors = {};
    const field = (name, label, input, hint) => {
      input.id = `f-${name}`;
      const err = h('p', { id: `f-${name}-error`, class: 'field-error' });
      errors[name] = err;
      controls[name] = input;
      input.setAttribute('aria-describedby', `f-${name}-error${hint ? ` f-${name}-hint` : ''}`);
      return h(
        'div',
        { class: 'field', 'data-field': name },
        h('label', { for: input.id }, label),
        input,
        hint ? h('p', { id: `f-${name}-hint`, class: 'hint' }, hint) : null,
        err,
      );
    };
    const select = (options, value) =>
      h(
        'select',
        {},
        options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)),
      );
    const authNow = s ? (s.auth.type === 'oauth' ? `oauth_${s.auth.grant}` : s.auth.type) : 'none';
    const authSelect = select(
      [
        ['none', 'None'],
        ['bearer', 'Bearer token'],
        ['api_key', 'API key in a header'],
        ['oauth_client_credentials', 'OAuth client credentials'],
        ['oauth_authorization_code', 'OAuth consent (authorization code)'],
        ...(authNow === 'oauth_access_token' ? [['oauth_access_token', 'OAuth access token']] : []),
      ],
      authNow,
    );
    const keepHint = s ? 'Leave empty to keep the stored value (never shown); type it again to change the settings beside it.' : undefined;
    const credential = (name, label, type = 'password', hint = keepHint) => field(name, label, h('input', { type, autocomplete: 'off' }), hint);
    const authFields = {
      bearer: [
        credential('auth.token', 'Token'),
        field('auth.secretId', 'Or a secret id', h('input', { autocomplete: 'off' }), 'An organization secret to send instead of a token.'),
      ],
      api_key: [field('auth.headerName', 'Header name', h('input', { value: s?.auth.headerName || '' })), credential('auth.apiKey', 'API key')],
      oauth_client_credentials: [
        field('auth.clientId', 'Client id', h('input', { value: s?.auth.clientId || '' })),
        credential('auth.clientSecret', 'Client secret'),
        field('auth.tokenUrl', 'Token URL', h('input', { type: 'url', value: s?.auth.tokenUrl || '' })),
        field('auth.scope', 'Scope', h('input', { value: s?.auth.scope || '' })),
      ],
      oauth_authorization_code: [
        field('auth.clientId', 'Client id', h('input', { value: s?.auth.clientId || '' }), 'Optional: a client registered beforehand.'),
        field('auth.scope', 'Scope', h('input', { value: s?.auth.scope || '' })),
      ],
      oauth_access_token: [credential('auth.accessToken', 'Access token')],
    };
    const authBox = h('div', {});
    const showAuth = () => authBox.replaceChildren(...(authFields[authSelect.value] || []));
    authSelect.addEventListener('change', showAuth);
    showAuth();
    const headerText = s ? s.requestHeaderNames.map((n) => `${n}: ********`).join('\n') : '';
    controls.enabled = h('input', { id: 'f-enabled', type: 'checkbox', checked: s ? s.toolPolicy.enabled : true });
    controls.isActive = h('input', { id: 'f-isActive', type: 'checkbox', checked: s ? s.isActive : true });
    const formError = h('div', { role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary' }, s ? 'Save' : 'Create');
    const form = h(
      'form',
      { novalidate: true, 'aria-labelledby': 'form-title' },
      h('h1', { id: 'form-title' }, s ? `Edit ${s.name}` : 'New server'),
      field('name', 'Name', h('input', { value: s?.name || '', required: true })),
      field('description', 'Description', h('input', { value: s?.description || '' })),
      field('url', 'URL', h('input', { type: 'url', value: s?.url || '', required: true, placeholder: 'https://mcp.example.com/mcp' })),
      field(
        'transport',
        'Transport',
        select(
          [
            ['streamable_http', 'Streamable HTTP'],
            ['sse', 'SSE (2024-11-05)'],
          ],
          s?.transport || 'streamable_http',
        ),
      ),
      field('auth.type', 'Authentication', authSelect),
      authBox,
      field('requestHeaders', 'Request headers', h('textarea', {}, headerText), 'One “Name: value” per line. ******** keeps a stored value.'),
      h('label', { class: 'inline' }, controls.enabled, 'Tools enabled'),
      field('allowedTools', 'Allowed tools', h('input', { value: s?.toolPolicy.allowedTools?.join(', ') || '' }), 'Comma-separated; empty allows every tool.'),
      field(
        'approvalPolicy',
        'Approval policy',
        select(
          [
            ['auto_approve_all', 'Auto-approve all tools'],
            ['require_approval_all', 'Require approval for every call'],
            ['require_approval_per_tool', 'Require approval per tool'],
          ],
          s?.toolPolicy.approvalPolicy || 'auto_approve_all',
        ),
      ),
      h('label', { class: 'inline' }, controls.isActive, 'Active'),
      formError,
      h('div', { class: 'actions' }, submit, h('a', { class: 'button', href: s ? `#/servers/${encodeURIComponent(s.id)}` : '#/servers' }, 'Cancel')),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const [name, el] of Object.entries(errors)) {
        el.textContent = '';
        controls[name].removeAttribute('aria-invalid');
      }
      formError.replaceChildren();
      const value = (name) => controls[name]?.value ?? '';
      const body = {
        name: value('name'),
        description: value('description'),
        url: value('url').trim(),
        transport: value('transport'),
        enabled: controls.enabled.checked,
        isActive: controls.isActive.checked,
        approvalPolicy: value('approvalPolicy'),
        allowedTools: value('allowedTools').trim()
          ? value('allowedTools')
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : null,
      };
      const headers = {};
      for (const line of value('requestHeaders').split('\n')) {
        if (!line.trim()) continue;
        const colon = line.indexOf(':');
        if (colon <= 0) {
          errors.requestHeaders.textContent = `“${line}” is not “Name: value”.`;
          controls.requestHeaders.setAttribute('aria-invalid', 'true');
          controls.requestHeaders.focus();
          return;
        }
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      body.requestHeaders = headers;
      // Credentials: on create always; on edit only when the type changed or something was typed.
      const kind = authSelect.value;
      const credentials = {};
      for (const input of authBox.querySelectorAll('input')) {
        const name = input.id.replace(/^f-auth\./, '');
        if (input.value.trim()) credentials[name] = input.value.trim();
      }
      if (kind === 'oauth_authorization_code') credentials.grantType = 'authorization_code';
      const type = kind.startsWith('oauth') ? 'oauth' : kind;
      const secretTyped = ['token', 'apiKey', 'clientSecret', 'accessToken'].some((k) => credentials[k]);
      if (!s || kind !== authNow || secretTyped || (kind === 'bearer' && credentials.secretId)) body.auth = { type, credentials };
      else if (kind !== 'none' && kind !== 'bearer' && kind !== 'oauth_access_token') {
        // Settings that are not secrets (header name, client id, token URL, scope) changed: the
        // core reads new credentials as a whole, so those of a client secret or key must be typed again.
        const settings = ['headerName', 'clientId', 'tokenUrl', 'scope'];
        const changed = settings.some((k) => (s.auth[k] || '') !== (credentials[k] || ''));
        if (changed) body.auth = { type, credentials: kind === 'oauth_authorization_code' ? { ...credentials, perUser: s.auth.perUser } : credentials };
      }
      if (!s) body.organizationId = state.org;
      submit.disabled = true;
      try {
        const saved = s ? await api('PATCH', `/servers/${encodeURIComponent(s.id)}`, body) : await api('POST', '/servers', body);
        announce(s ? 'Server saved' : 'Server created');
        location.hash = `#/servers/${encodeURIComponent(saved.id)}`;
      } catch (e) {
        const target =
          e.field && (errors[e.field] ? e.field : e.field.startsWith('requestHeaders') ? 'requestHeaders' : e.field.startsWith('auth.') ? 'auth.type' : null);
        if (target && errors[target]) {
          errors[target].textContent = e.message;
          controls[target].setAttribute('aria-invalid', 'true');
          controls[target].focus();
        } else formError.replaceChildren(errorNotice(e));
      } finally {
        submit.disabled = false;
      }
    });
    show(h('p', {}, h('a', { href: '#/servers' }, '← Servers')), form);
    controls.name.focus();
  }

  // ---- Approvals -----------------------------------------------------------------------------

  const approvalFilter = { status: 'pending' };

  async function renderApprovals(refreshOnly) {
    const results = refreshOnly && $('approval-results') ? $('approval-results') : h('div', { id: 'approval-results' });
    if (!refreshOnly || !$('approval-results')) {
      const status = h(
        'select',
        { id: 'approval-status' },
        ['pending', 'approved', 'denied', 'expired', 'used', ''].map((v) => h('option', { value: v, selected: v === approvalFilter.status }, v || 'all')),
      );
      status.addEventListener('change', () => {
        approvalFilter.status = status.value;
        renderApprovals(true);
      });
      show(
        h('h1', {}, 'Approvals'),
        h('p', { class: 'muted' }, 'Tool calls held for a person’s decision. This list refreshes by itself.'),
        h('div', { class: 'toolbar' }, h('div', {}, h('label', { for: 'approval-status' }, 'Status'), status)),
        results,
      );
    }
    try {
      const page = await api('GET', `/approvals${query({ organizationId: state.org, status: approvalFilter.status, limit: 100 })}`, undefined, {
        quiet: refreshOnly,
      });
      if (page.items.length === 0) {
        results.replaceChildren(
          h(
            'div',
            { class: 'notice' },
            h(
              'p',
              {},
              approvalFilter.status === 'pending'
                ? 'Nothing is waiting for a decision. Held calls appear here as agents make them.'
                : 'No requests in this state.',
            ),
          ),
        );
        return;
      }
      results.replaceChildren(...page.items.map(approvalCard));
    } catch (e) {
      results.replaceChildren(errorNotice(e, () => renderApprovals(true)));
    }
  }

  function approvalCard(a) {
    const reason = h('input', { id: `reason-${a.id}`, autocomplete: 'off' });
    const note = h('div', { role: 'alert' });
    const decide = async (decision) => {
      if (decision === 'deny' && !reason.value.trim()) {
        note.replaceChildren(h('p', { class: 'field-error' }, 'Give a reason for the denial: the agent is told it.'));
        reason.setAttribute('aria-invalid', 'true');
        reason.focus();
        return;
      }
      try {
        await api('POST', `/approvals/${encodeURIComponent(a.id)}/decision`, decision === 'deny' ? { decision, reason: reason.value.trim() } : { decision });
        announce(decision === 'deny' ? 'Denied' : 'Approved');
        renderApprovals(true);
      } catch (e) {
        note.replaceChildren(errorNotice(e));
      }
    };
    const pending = a.status === 'pending';
    return h(
      'section',
      { class: 'card', 'aria-label': `Approval request ${a.id}` },
      h(
        'p',
        {},
        h('strong', {}, h('code', {}, a.tool)),
        ' on server ',
        h('a', { href: `#/servers/${encodeURIComponent(a.serverId)}` }, a.serverId),
        ' ',
        badge(a.status),
      ),
      h(
        'p',
        { class: 'muted' },
        'Asked by key ',
        a.callerKeyId,
        a.callerUserId ? ` (user ${a.callerUserId})` : '',
        ' · ',
        when(a.requestedAt),
        ' · expires ',
        when(a.expiresAt),
      ),
      h('details', { open: pending }, h('summary', {}, 'Arguments'), h('pre', {}, JSON.stringify(a.arguments, null, 2))),
      a.reason ? h('p', {}, 'Reason: ', a.reason) : null,
      pending
        ? h(
            'div',
            {},
            h('label', { for: `reason-${a.id}` }, 'Reason ', h('span', { class: 'hint' }, '(needed to deny)')),
            reason,
            h(
              'div',
              { class: 'actions' },
              h('button', { type: 'button', class: 'primary', onclick: () => decide('approve') }, 'Approve'),
              h('button', { type: 'button', onclick: () => decide('approve_always') }, 'Approve always'),
              h('button', { type: 'button', class: 'danger', onclick: () => decide('deny') }, 'Deny'),
            ),
          )
        : null,
      note,
    );
  }

  // ---- Audit ---------------------------------------------------------------------------------

  const auditFilter = { action: '', actor: '', targetId: '', since: '', until: '', offset: 0, limit: 50 };

  async function renderAudit() {
    const input = (name, label, type = 'text') => {
      const el = h('input', { id: `audit-${name}`, type, value: auditFilter[name] });
      return [el, h('div', {}, h('label', { for: el.id }, label), el)];
    };
    const [action, actionBox] = input('action', 'Action');
    const [actor, actorBox] = input('actor', 'Actor (key or user id)');
    const [target, targetBox] = input('targetId', 'Target id');
    const [since, sinceBox] = input('since', 'Since', 'datetime-local');
    const [until, untilBox] = input('until', 'Until', 'datetime-local');
    const verify = h('div', { id: 'audit-verify', 'aria-live': 'polite' });
    const results = h('div', {});
    const form = h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (e) => {
          e.preventDefault();
          Object.assign(auditFilter, {
            action: action.value.trim(),
            actor: actor.value.trim(),
            targetId: target.value.trim(),
            since: since.value,
            until: until.value,
            offset: 0,
          });
          load();
        },
      },
      actionBox,
      actorBox,
      targetBox,
      sinceBox,
      untilBox,
      h('button', { type: 'submit' }, 'Filter'),
    );
    show(h('h1', {}, 'Audit trail'), verify, form, results);
    const iso = (local) => (local ? new Date(local).toISOString() : undefined);
    async function load() {
      try {
        const page = await api(
          'GET',
          `/audit${query({ organizationId: state.org, action: auditFilter.action, actor: auditFilter.actor, targetId: auditFilter.targetId, since: iso(auditFilter.since), until: iso(auditFilter.until), limit: auditFilter.limit, offset: auditFilter.offset })}`,
        );
        if (page.total === 0) return void results.replaceChildren(h('div', { class: 'notice' }, h('p', {}, 'No events match. Clear a filter to see more.')));
        const cols = ['#', 'When', 'Actor', 'Action', 'Target', 'Outcome', 'Fields'];
        results.replaceChildren(
          h(
            'table',
            { class: 'stack' },
            h('caption', { class: 'visually-hidden' }, 'Audit events'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                cols.map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              page.items.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { 'data-label': '#' }, String(e.seq)),
                  h('td', { 'data-label': 'When' }, when(e.at)),
                  h(
                    'td',
                    { 'data-label': 'Actor' },
                    e.actor.userId || e.actor.keyId || 'command line',
                    e.actor.dialect ? h('span', { class: 'muted' }, ` (${e.actor.dialect})`) : null,
                  ),
                  h('td', { 'data-label': 'Action' }, h('code', {}, e.action)),
                  h('td', { 'data-label': 'Target' }, `${e.targetType}${e.targetId ? ` ${e.targetId}` : ''}`),
                  h('td', { 'data-label': 'Outcome' }, e.outcome),
                  h('td', { 'data-label': 'Fields' }, e.fields.join(', ')),
                ),
              ),
            ),
          ),
          pager(auditFilter, page, load),
        );
      } catch (e) {
        results.replaceChildren(errorNotice(e, load));
      }
    }
    load();
    try {
      const v = await api('GET', `/audit/verify${query({ organizationId: state.org })}`);
      verify.replaceChildren(
        v.intact
          ? h('div', { class: 'notice ok' }, h('p', {}, badge('ok'), ` Chain intact: ${v.checked} events checked (from #${v.from}).`))
          : h(
              'div',
              { class: 'notice bad', role: 'alert' },
              h('p', {}, badge('bad'), ` Chain broken at event #${v.broken.seq}: ${v.broken.reason}. ${v.checked} events checked.`),
            ),
      );
    } catch (e) {
      verify.replaceChildren(errorNotice(e));
    }
  }

  // ---- Secrets -------------------------------------------------------------------------------

  async function renderSecrets() {
    const results = h('div', {});
    const name = h('input', { id: 'secret-name', autocomplete: 'off' });
    const value = h('input', { id: 'secret-value', type: 'password', autocomplete: 'new-password' });
    const createNote = h('div', { role: 'alert' });
    const create = h(
      'form',
      {
        class: 'toolbar',
        onsubmit: async (e) => {
          e.preventDefault();
          createNote.replaceChildren();
          try {
            await api('POST', '/secrets', { organizationId: state.org, name: name.value, value: value.value });
            name.value = '';
            value.value = '';
            announce('Secret created');
            load();
          } catch (err) {
            createNote.replaceChildren(errorNotice(err));
          }
        },
      },
      h('div', {}, h('label', { for: 'secret-name' }, 'Name'), name),
      h('div', {}, h('label', { for: 'secret-value' }, 'Value ', h('span', { class: 'hint' }, '(write-only)')), value),
      h('button', { type: 'submit' }, 'Add secret'),
    );
    show(
      h('h1', {}, 'Secrets'),
      h('p', { class: 'muted' }, 'Values are entered, never shown. Rotating replaces the value for every server that uses the secret.'),
      create,
      createNote,
      results,
    );
    async function load() {
      try {
        const { items } = await api('GET', `/secrets${query({ organizationId: state.org })}`);
        if (items.length === 0)
          return void results.replaceChildren(h('div', { class: 'notice' }, h('p', {}, 'No secrets you can manage here yet. Add one above.')));
        results.replaceChildren(...items.map((s) => secretCard(s, load)));
      } catch (e) {
        results.replaceChildren(errorNotice(e, load));
      }
    }
    load();
  }

  function secretCard(s, reload) {
    const value = h('input', { id: `rotate-${s.id}`, type: 'password', autocomplete: 'new-password' });
    const note = h('div', { role: 'alert' });
    return h(
      'section',
      { class: 'card', 'aria-label': `Secret ${s.name}` },
      h('p', {}, h('strong', {}, s.name), ' ', h('code', { class: 'muted' }, s.id), ' · updated ', when(s.updatedAt)),
      h(
        'p',
        {},
        'Used by: ',
        s.usedBy.length
          ? s.usedBy.map((u, i) => [i ? ', ' : '', h('a', { href: `#/servers/${encodeURIComponent(u.id)}` }, u.name)])
          : h('span', { class: 'muted' }, 'no server'),
      ),
      h(
        'form',
        {
          class: 'toolbar',
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              await api('PUT', `/secrets/${encodeURIComponent(s.id)}`, { organizationId: s.organizationId, value: value.value });
              value.value = '';
              announce('Secret rotated');
              reload();
            } catch (err) {
              note.replaceChildren(errorNotice(err));
            }
          },
        },
        h('div', {}, h('label', { for: value.id }, 'New value'), value),
        h('button', { type: 'submit' }, 'Rotate'),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              if (!confirm(`Delete the secret “${s.name}”?`)) return;
              try {
                await api('DELETE', `/secrets/${encodeURIComponent(s.id)}${query({ organizationId: s.organizationId })}`);
                announce('Secret deleted');
                reload();
              } catch (err) {
                note.replaceChildren(errorNotice(err));
              }
            },
          },
          'Delete',
        ),
      ),
      note,
    );
  }

  // ---- Start ---------------------------------------------------------------------------------

  async function start() {
    try {
      signedIn(await api('GET', '/session'));
    } catch {
      renderSignIn();
    }
  }
  start();
})();
