//! Zoho's data centers: where a connection's accounts server and API live.
//!
//! Facts from `zoho-api/crm.md` §1 and `books.md` §1.1: every DC has its own accounts server
//! (OAuth) and API domain; CA is the odd one out (`accounts.zohocloud.ca`, `www.zohoapis.ca`).

use url::Url;

use crate::Error;

/// One Zoho data center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// United States (`accounts.zoho.com`), the default.
    Us,
    /// Europe (`accounts.zoho.eu`).
    Eu,
    /// India (`accounts.zoho.in`).
    In,
    /// Australia (`accounts.zoho.com.au`).
    Au,
    /// Japan (`accounts.zoho.jp`).
    Jp,
    /// China (`accounts.zoho.com.cn`).
    Cn,
    /// Canada (`accounts.zohocloud.ca`; not `zoho.ca`).
    Ca,
    /// Saudi Arabia (`accounts.zoho.sa`).
    Sa,
    /// United Kingdom (`accounts.zoho.uk`); listed by Zoho Accounts, not yet by the CRM SDKs.
    Uk,
    /// United Arab Emirates (`accounts.zoho.ae`); low confidence: seen only in third-party code.
    Ae,
}

impl Region {
    /// Every known data center, in the order error messages list them.
    pub const ALL: [Region; 10] = [
        Region::Us,
        Region::Eu,
        Region::In,
        Region::Au,
        Region::Jp,
        Region::Cn,
        Region::Ca,
        Region::Sa,
        Region::Uk,
        Region::Ae,
    ];

    /// The short code users may type (`us`, `eu`, …).
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::In => "in",
            Region::Au => "au",
            Region::Jp => "jp",
            Region::Cn => "cn",
            Region::Ca => "ca",
            Region::Sa => "sa",
            Region::Uk => "uk",
            Region::Ae => "ae",
        }
    }

    /// The accounts server's host name (`accounts.zoho.eu`).
    pub fn accounts_host(self) -> &'static str {
        match self {
            Region::Us => "accounts.zoho.com",
            Region::Eu => "accounts.zoho.eu",
            Region::In => "accounts.zoho.in",
            Region::Au => "accounts.zoho.com.au",
            Region::Jp => "accounts.zoho.jp",
            Region::Cn => "accounts.zoho.com.cn",
            Region::Ca => "accounts.zohocloud.ca",
            Region::Sa => "accounts.zoho.sa",
            Region::Uk => "accounts.zoho.uk",
            Region::Ae => "accounts.zoho.ae",
        }
    }

    /// The accounts server (`https://accounts.zoho.eu`), without a trailing slash.
    pub fn accounts_url(self) -> String {
        format!("https://{}", self.accounts_host())
    }

    /// Where the browser is sent to authorize (`{accounts}/oauth/v2/auth`).
    pub fn auth_url(self) -> String {
        format!("{}/oauth/v2/auth", self.accounts_url())
    }

    /// Where codes and refresh tokens are exchanged (`{accounts}/oauth/v2/token`).
    pub fn token_url(self) -> String {
        format!("{}/oauth/v2/token", self.accounts_url())
    }

    /// Where a refresh token is revoked (`{accounts}/oauth/v2/token/revoke`).
    pub fn revoke_url(self) -> String {
        format!("{}/oauth/v2/token/revoke", self.accounts_url())
    }

    /// The API domain used until a token response names one (`https://www.zohoapis.eu`).
    pub fn api_domain(self) -> &'static str {
        match self {
            Region::Us => "https://www.zohoapis.com",
            Region::Eu => "https://www.zohoapis.eu",
            Region::In => "https://www.zohoapis.in",
            Region::Au => "https://www.zohoapis.com.au",
            Region::Jp => "https://www.zohoapis.jp",
            Region::Cn => "https://www.zohoapis.com.cn",
            Region::Ca => "https://www.zohoapis.ca",
            Region::Sa => "https://www.zohoapis.sa",
            Region::Uk => "https://www.zohoapis.uk",
            Region::Ae => "https://www.zohoapis.ae",
        }
    }

    /// The region whose accounts server has this host name (case-insensitive).
    pub fn from_accounts_host(host: &str) -> Option<Region> {
        let host = host.trim_end_matches('.');
        Region::ALL
            .into_iter()
            .find(|region| region.accounts_host().eq_ignore_ascii_case(host))
    }

    /// Read a region from a code (`eu`, `EU`) or an accounts URL (`https://accounts.zoho.eu`,
    /// trailing slash allowed). Anything else is [`Error::Config`] listing the known regions.
    pub fn parse(input: &str) -> Result<Region, Error> {
        let trimmed = input.trim();
        if let Some(region) = Region::ALL
            .into_iter()
            .find(|region| region.code().eq_ignore_ascii_case(trimmed))
        {
            return Ok(region);
        }
        let from_url = Url::parse(trimmed).ok().and_then(|url| {
            let plain = url.scheme() == "https"
                && url.username().is_empty()
                && url.password().is_none()
                && url.port().is_none()
                && url.query().is_none()
                && url.fragment().is_none()
                && matches!(url.path(), "" | "/");
            if plain {
                url.host_str().and_then(Region::from_accounts_host)
            } else {
                None
            }
        });
        from_url.ok_or_else(|| {
            Error::Config(format!("unknown region `{trimmed}`; {}", known_regions()))
        })
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.accounts_url())
    }
}

impl std::str::FromStr for Region {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Region::parse(input)
    }
}

/// The sentence error messages use to list every region.
fn known_regions() -> String {
    let listed: Vec<String> = Region::ALL
        .iter()
        .map(|region| format!("{} ({})", region.code(), region.accounts_url()))
        .collect();
    format!("known regions: {}", listed.join(", "))
}
