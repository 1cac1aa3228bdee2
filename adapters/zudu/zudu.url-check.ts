import type { UrlCheck, UrlFinding } from '../../core/services/url-check';

/** A finding as the seed's validate-url words it. */
function recommendation(finding: UrlFinding): string {
  switch (finding.kind) {
    case 'invalid_format':
      return `Use an absolute http:// or https:// URL of at most ${finding.maxLength} characters, without a user name or password`;
    case 'plain_http':
      return 'Prefer https:// so that credentials sent to the server are encrypted in transit';
    case 'duplicates':
      return `${finding.count} MCP server(s) in this organization already use this URL`;
    case 'requires_auth':
      return 'The server requires authentication: set secret_token or request_headers when you create it';
    case 'unreachable':
      return `Connectivity test failed (${finding.failure.failureClass}): ${finding.failure.message}`;
  }
}

/** The validate-url answer: the checks and one recommendation per finding, in order. */
export function toZuduUrlCheck(check: UrlCheck) {
  return {
    valid: check.formatValid,
    url: check.url,
    checks: { format_valid: check.formatValid, is_duplicate: check.duplicates > 0, connectivity_test: check.connectivity },
    recommendations: check.findings.map(recommendation),
  };
}
