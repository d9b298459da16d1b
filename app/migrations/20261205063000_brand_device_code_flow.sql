-- authentik's brand setting "Device code flow" (`flow_device_code`): the flow `/device` runs,
-- with the code entry appended, before the provider's authorization flow. A brand without one
-- answers `/device` with 404, as authentik does. A slug, like the brand's other flows.
alter table brands add column flow_device_code text;

-- authentik ships no device code flow and leaves the setting empty. Ward ships one
-- (`default-device-code-flow`, flows/defaults.yaml) and sets it on the default brand: `/device`
-- has answered on every Ward since the device grant came, and new providers allow the grant, so
-- an empty setting would hand devices a verification URL that answers 404. New brands start
-- without one, as in authentik.
update brands set flow_device_code = 'default-device-code-flow' where is_default;
