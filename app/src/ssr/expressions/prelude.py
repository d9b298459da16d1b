# Ward's expression prelude: authentik's names rebuilt in the sandbox on top of plain data.
# Runs before every evaluation, cut to the top-level statements the body needs (prelude.rs):
# keep each statement binding one name, and bind the objects built from the context at the end.
# Names starting with `_ward` are Ward's own.
import re

# Host calls made while running without pauses (monty_backend.rs): the run starts over.
_ward_missed = []


def _ward_needs_host():
    _ward_missed.append(True)
    raise RuntimeError("ward: this expression needs the host")


class QuerySet:
    def __init__(self, items):
        self._items = items

    def all(self):
        return QuerySet(self._items)

    def filter(self, **lookups):
        out = []
        for item in self._items:
            keep = True
            for key, want in lookups.items():
                if key.endswith("__in"):
                    if getattr(item, key[:-4], None) not in want:
                        keep = False
                elif key.endswith("__iexact"):
                    have = getattr(item, key[:-8], None)
                    if have is None or str(have).lower() != str(want).lower():
                        keep = False
                elif getattr(item, key, None) != want:
                    keep = False
            if keep:
                out.append(item)
        return QuerySet(out)

    def exclude(self, **lookups):
        kept = self.filter(**lookups)._items
        return QuerySet([i for i in self._items if i not in kept])

    def exists(self):
        return len(self._items) > 0

    def count(self):
        return len(self._items)

    def first(self):
        return self._items[0] if self._items else None

    def values_list(self, field, flat=False):
        return [getattr(i, field, None) for i in self._items]

    def __iter__(self):
        return iter(self._items)

    def __contains__(self, item):
        return item in self._items

    def __repr__(self):
        return "<QuerySet " + repr(self._items) + ">"


class Group:
    def __init__(self, data):
        self.pk = data["pk"]
        self.group_uuid = data["pk"]
        self.name = data["name"]
        self.attributes = data["attributes"]
        self.is_superuser = data["is_superuser"]

    def __eq__(self, other):
        return isinstance(other, Group) and other.pk == self.pk

    def __repr__(self):
        return "<Group " + self.name + ">"


class User:
    def __init__(self, data):
        self.pk = data["pk"]
        self.uid = data["uid"]
        self.uuid = data["uuid"]
        self.username = data["username"]
        self.email = data["email"]
        self.name = data["name"]
        self.is_active = data["is_active"]
        self.is_superuser = data["is_superuser"]
        self.attributes = data["attributes"]
        self.type = data["type"]
        self.is_authenticated = True
        self.ak_groups = QuerySet([Group(g) for g in data["groups"]])
        self.groups = self.ak_groups

    def all_groups(self):
        return self.ak_groups

    def group_attributes(self, request=None):
        merged = {}
        for group in self.ak_groups:
            merged.update(group.attributes)
        return merged

    def __eq__(self, other):
        return isinstance(other, User) and other.pk == self.pk

    def __repr__(self):
        return "<User " + self.username + ">"


class HttpRequest:
    def __init__(self, data):
        self.META = data["meta"]
        self.headers = data["headers"]
        self.path = data["path"]
        self.method = data["method"]
        self.GET = data["query"]
        self._ward_host = data["host"]

    def get_host(self):
        return self._ward_host


class PolicyRequest:
    def __init__(self, user, http_request, obj, context):
        self.user = user
        self.http_request = http_request
        self.obj = obj
        self.context = context
        self.debug = False


class PolicyResult:
    def __init__(self, passing, messages):
        self.passing = passing
        self.messages = messages

    def __repr__(self):
        return "<PolicyResult passing=" + repr(self.passing) + ">"


class IPAddress:
    def __init__(self, info):
        self.version = info["version"]
        self._ward_int = info["int"]
        self._ward_text = info["text"]
        self.is_private = info["is_private"]
        self.is_global = info["is_global"]
        self.is_loopback = info["is_loopback"]
        self.is_link_local = info["is_link_local"]
        self.is_multicast = info["is_multicast"]

    def __eq__(self, other):
        return isinstance(other, IPAddress) and other.version == self.version and str(other) == str(self)

    def __hash__(self):
        return hash(self._ward_text)

    def __str__(self):
        return self._ward_text

    def __repr__(self):
        return "IPv" + str(self.version) + "Address('" + self._ward_text + "')"


class IPNetwork:
    def __init__(self, info):
        self.version = info["version"]
        self.prefixlen = info["prefixlen"]
        self._ward_int = info["int"]
        self._ward_text = info["text"]
        self.is_private = info["is_private"]
        self.is_global = info["is_global"]

    def __contains__(self, address):
        # Pure Python: the sandbox cannot pause for the host inside a dunder method.
        if not isinstance(address, IPAddress) or address.version != self.version:
            return False
        shift = (32 if self.version == 4 else 128) - self.prefixlen
        return (address._ward_int >> shift) == (self._ward_int >> shift)

    def __eq__(self, other):
        return isinstance(other, IPNetwork) and str(other) == str(self)

    def __str__(self):
        return self._ward_text

    def __repr__(self):
        return "IPv" + str(self.version) + "Network('" + self._ward_text + "')"


def ip_address(address):
    text = str(address)
    # The client address and the body's literals were parsed before the run (no pause).
    known = _ward_known_ips.get("a" + text)
    if known is not None:
        return IPAddress(known)
    if _ward_ip_address is None:
        _ward_needs_host()
    return IPAddress(_ward_ip_address(text))


def ip_network(address, strict=True):
    text = str(address)
    known = _ward_known_ips.get("n" + text) if strict else None
    if known is not None:
        return IPNetwork(known)
    if _ward_ip_network is None:
        _ward_needs_host()
    return IPNetwork(_ward_ip_network(text, strict))


class _WardIpaddressModule:
    def __init__(self):
        self.ip_address = ip_address
        self.ip_network = ip_network


_ward_ipaddress = _WardIpaddressModule()


class Logger:
    def __init__(self):
        self.lines = []

    def _ward_log(self, level, event, fields):
        if len(self.lines) < 200:
            line = level + ": " + str(event)
            for key, value in fields.items():
                line = line + " " + key + "=" + repr(value)
            self.lines.append(line[:2000])

    def debug(self, event, **fields):
        self._ward_log("debug", event, fields)

    def info(self, event, **fields):
        self._ward_log("info", event, fields)

    def warning(self, event, **fields):
        self._ward_log("warning", event, fields)

    def error(self, event, **fields):
        self._ward_log("error", event, fields)

    def exception(self, event, **fields):
        self._ward_log("error", event, fields)


ak_logger = Logger()
_ward_messages = []


def ak_message(message):
    if len(_ward_messages) < 100:
        _ward_messages.append(str(message)[:2000])


def regex_match(value, regex):
    return re.search(regex, value) is not None


def regex_replace(value, regex, repl):
    return re.sub(regex, repl, value)


def list_flatten(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) == 0:
            return None
        return value[0]
    return value


def ak_is_group_member(user, **group_filters):
    return user.all_groups().filter(**group_filters).exists()


def ak_user_by(**filters):
    if _ward_user_by is None:
        _ward_needs_host()
    found = _ward_user_by(**filters)
    if found is None:
        return None
    return User(found)


def ak_call_policy(name, **kwargs):
    if _ward_call_policy is None:
        _ward_needs_host()
    found = _ward_call_policy(name, kwargs)
    return PolicyResult(found[0], found[1])


def _ward_anonymous_user():
    # The class is defined only in the runs that need it: most runs have a user.
    class AnonymousUser:
        def __init__(self):
            self.pk = None
            self.username = ""
            self.is_active = False
            self.is_superuser = False
            self.is_authenticated = False
            self.attributes = {}
            self.ak_groups = QuerySet([])
            self.groups = self.ak_groups

        def all_groups(self):
            return self.ak_groups

        def group_attributes(self, request=None):
            return {}

    return AnonymousUser()


def _ward_object(data):
    # A model row seen as an object (the application, a provider): its fields as attributes.
    # The class is defined only in the runs that need it: most runs have no object.
    class Obj:
        def __init__(self, data):
            self._ward_data = data
            for key, value in data.items():
                setattr(self, key, value)

        def __repr__(self):
            return "<" + repr(self._ward_data) + ">"

    return Obj(data)


def _ward_user_or_anonymous(data):
    if data is None:
        return _ward_anonymous_user()
    return User(data)


def _ward_context():
    context = _ward_input["context"]
    if _ward_input["pending_user"] is not None:
        context["pending_user"] = User(_ward_input["pending_user"])
    if _ward_input["application"] is not None:
        context["application"] = _ward_object(_ward_input["application"])
    return context


def _ward_obj():
    if _ward_input["obj"] is None:
        return None
    return _ward_object(_ward_input["obj"])


def _ward_client_ip():
    if _ward_input["client_ip"] is None:
        return None
    return IPAddress(_ward_input["client_ip"])


user = _ward_user_or_anonymous(_ward_input["user"])
context = _ward_context()
request = PolicyRequest(user, HttpRequest(_ward_input["http_request"]), _ward_obj(), context)
ak_client_ip = _ward_client_ip()
