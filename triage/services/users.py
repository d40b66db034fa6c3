"""Accounts: users, roles, password checks with throttling, and API tokens."""

import datetime as dt
import functools
import hashlib
import logging
import secrets

import sqlalchemy as sa
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from triage.models import ROLES, TEAMS, ApiToken, User, utcnow
from triage.services import throttle

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "trg_"

@functools.cache
def _dummy_hash() -> str:
    """A hash to check against when the login does not exist, so both cases cost the same
    time; made on the first sign-in, not at import (~0.1 s that every command paid)."""
    return generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


def hash_token(token: str) -> str:
    """The stored form of an API token (sha256: tokens are long and random)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_user(*, session: Session, login: str) -> User | None:
    """The user with this login, or None."""
    return session.exec(select(User).where(User.login == login.strip())).first()


def create_user(
    *, session: Session, login: str, password: str, role: str, team: str | None = None
) -> User:
    """Create an account (an agent needs a team); commits."""
    login = (login or "").strip()
    role = (role or "").strip().lower()
    team = (team or "").strip().upper() or None
    if not login or len(login) > 128 or any(c.isspace() for c in login):
        raise AccountError("identifiant invalide (1 à 128 caractères, sans espace)")
    _check_role(role, team)
    _check_password(password)
    if get_user(session=session, login=login) is not None:
        raise AccountError(f"l'identifiant {login!r} existe déjà")
    user = User(login=login, password_hash=generate_password_hash(password), role=role, team=team)
    session.add(user)
    session.commit()
    session.refresh(user)
    log.info("user %s created (role %s, team %s)", login, role, team)
    return user


def set_active(*, session: Session, user: User, active: bool) -> User:
    """Activate or deactivate an account; deactivation also revokes its tokens. Commits."""
    user.active = active
    session.add(user)
    if not active:
        now = utcnow()
        for token in session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
            session.add(token)
    session.commit()
    if not active:
        end_sessions(session=session, user=user)
    return user


def authenticate(*, session: Session, login: str, password: str, ip: str) -> User | None:
    """The user when the password is right, else None; LoginThrottled (not checking the
    password) while this login from this address, or this address, must wait."""
    throttle.check(session=session, login=login or "", address=ip)
    user = get_user(session=session, login=login or "")
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password or "")
    elif check_password_hash(user.password_hash, password or ""):
        throttle.record_success(session=session, login=user.login, address=ip)
        user.last_login_at = utcnow()
        session.add(user)
        session.commit()
        return user
    throttle.record_failure(session=session, login=login or "", address=ip)
    return None


def unlock(*, session: Session, user: User) -> int:
    """An admin lifts the sign-in throttling of a user, from every address. Commits."""
    return throttle.unlock(session=session, login=user.login)


def end_sessions(*, session: Session, user: User) -> None:
    """End every browser session of this user (logout, password change). Commits."""
    session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
    )
    session.commit()
    session.refresh(user)


def _check_role(role: str, team: str | None) -> None:
    """A known role, a known team or none; an agent needs one."""
    if role not in ROLES:
        raise AccountError(f"rôle inconnu {role!r} : {', '.join(ROLES)}")
    if team is not None and team not in TEAMS:
        raise AccountError(f"équipe inconnue {team!r} : {', '.join(TEAMS)}")
    if role == "agent" and team is None:
        raise AccountError("un agent doit avoir une équipe (SI2C, DRASI ou NATIONAL)")


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères minimum)")


def change_password(*, session: Session, user: User, password: str) -> User:
    """Set a new password and end every session of the user (tokens stay). Commits."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    session.add(user)
    session.commit()
    end_sessions(session=session, user=user)
    log.info("password of %s changed; its sessions ended", user.login)
    return user


def set_password(*, session: Session, user: User, password: str) -> User:
    """An admin's reset: a new password, every session ended, and the sign-in throttling
    lifted too, since whoever forgot it probably set it off. Commits."""
    change_password(session=session, user=user, password=password)
    unlock(session=session, user=user)
    return user


def change_own_password(*, session: Session, user: User, current: str, new: str) -> User:
    """The user changes their own password, proving they know the current one. Commits."""
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError("mot de passe actuel incorrect")
    if current == new:
        raise AccountError("le nouveau mot de passe doit être différent de l'actuel")
    return change_password(session=session, user=user, password=new)


def _active_admins(session: Session) -> int:
    query = select(sa.func.count()).select_from(User).where(User.role == "admin", User.active)
    return int(session.exec(query).one())


def set_role(*, session: Session, user: User, role: str, team: str | None) -> User:
    """Change an account's role and team (an agent needs one); the last active admin stays
    an admin. Commits."""
    role, team = (role or "").strip().lower(), (team or "").strip().upper() or None
    _check_role(role, team)
    if user.role == "admin" and role != "admin" and user.active and _active_admins(session) <= 1:
        raise AccountError("c'est le dernier administrateur actif : nommez-en un autre d'abord")
    user.role, user.team = role, team
    session.add(user)
    session.commit()
    log.info("user %s is now %s (team %s)", user.login, role, team)
    return user


def set_itop_person(*, session: Session, user: User, person_id: int | None) -> User:
    """The iTop Person the user is ("je prends" assigns tickets to it); None: none. Commits."""
    if person_id is not None and person_id <= 0:
        raise AccountError("l'identifiant de personne iTop est un entier positif")
    user.itop_person_id = person_id
    session.add(user)
    session.commit()
    log.info("user %s is iTop person %s", user.login, person_id)
    return user


def create_token(*, session: Session, user: User, name: str = "") -> str:
    """Create an API token for a user; returns the plain token (shown once). Commits."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, token_hash=hash_token(token), hint=token[:8], name=(name or "")[:128]
    )
    session.add(row)
    session.commit()
    log.info("API token %s created for %s", row.id, user.login)
    return token


def revoke_token(*, session: Session, token_id: int) -> bool:
    """Revoke a token by id; False when there is no such active token. Commits."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()
    log.info("API token %s revoked", token_id)
    return True


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active user owning this non-revoked token, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    # one write per minute at most: tokens used by scripts must not turn reads into writes
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        row.last_used_at = now
        session.add(row)
        session.commit()
    return user


def list_users(*, session: Session) -> list[User]:
    """Every account, by login."""
    return list(session.exec(select(User).order_by(User.login)))


def list_tokens(*, session: Session) -> list[tuple[ApiToken, str]]:
    """Every token with its owner's login, newest first."""
    query = (
        select(ApiToken, User.login)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc())
    )
    return [(token, login) for token, login in session.exec(query)]
