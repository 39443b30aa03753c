#!/usr/bin/ruby
# Grpc.Mrk from Ruby: creates a multi-Region key in one Region, replicates it, encrypts there, decrypts in another
# Region, and reads the AWS exception name of a deliberate error from google.rpc.ErrorInfo.
#
#   ./generate.sh && ruby example.rb --cluster-file ../../.mrk/cluster.json
#
# The cluster file (written by scripts/run-local.sh) names each Region's endpoint and the CA to trust. Callers
# authenticate with an API key in MRK_API_KEY (sent as a Bearer token); the local cluster also accepts none.
$LOAD_PATH.unshift(File.join(__dir__, 'generated'))
require 'json'
require 'uri'
require 'grpc'
require 'mrk/v1/key_management_service_services_pb'
require 'google/protobuf/well_known_types'
require 'google/rpc/status_pb'
require 'google/rpc/error_details_pb'

# The AWS exception name every Grpc.Mrk refusal carries in its google.rpc.Status details.
def aws_exception(error)
  details = error.metadata && error.metadata['grpc-status-details-bin']
  return '(no ErrorInfo)' unless details

  Google::Rpc::Status.decode(details).details.each do |any|
    info = any.unpack(Google::Rpc::ErrorInfo)
    return info.reason if info
  end
  '(no ErrorInfo)'
end

# One Region's key API, with the caller's credentials and a deadline on every call.
class Region
  def initialize(endpoint, ca_file)
    credentials = GRPC::Core::ChannelCredentials.new(File.read(ca_file))
    @stub = Mrk::V1::KeyManagementService::Stub.new(URI(endpoint).then { |u| "#{u.host}:#{u.port}" }, credentials)
    @metadata = ENV['MRK_API_KEY'] ? { 'authorization' => "Bearer #{ENV['MRK_API_KEY']}" } : {}
  end

  def call(method, request)
    @stub.public_send(method, request, metadata: @metadata, deadline: Time.now + 10)
  end
end

def argument(name, fallback)
  index = ARGV.index(name)
  index && ARGV[index + 1] ? ARGV[index + 1] : fallback
end

cluster = JSON.parse(File.read(argument('--cluster-file', ENV.fetch('MRK_CLUSTER_FILE', '../../.mrk/cluster.json'))))
primary_name = argument('--primary', 'us-east-1')
replica_name = argument('--replica', 'eu-west-1')
primary = Region.new(cluster['regions'][primary_name], cluster['caBundle'])
replica = Region.new(cluster['regions'][replica_name], cluster['caBundle'])

key = primary.call(:create_key, Mrk::V1::CreateKeyRequest.new(multi_region: true, description: 'ruby example')).key_metadata
puts "created #{key.key_id} in #{primary_name}"
primary.call(:replicate_key, Mrk::V1::ReplicateKeyRequest.new(key_id: key.key_id, replica_region: replica_name))
# Replication is asynchronous: the replica is Creating until the material arrives, usually within a second. A
# message lost on the way is sent again after the sync interval (30 s by default), so wait longer than that.
started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
deadline = Time.now + 90
loop do
  begin
    state = replica.call(:describe_key, Mrk::V1::DescribeKeyRequest.new(key_id: key.key_id)).key_metadata.key_state
    break if state == :KEY_STATE_ENABLED
  rescue GRPC::NotFound
    # The replica is not there yet.
  end
  abort 'the replica did not become Enabled in time' if Time.now > deadline
  sleep 0.2
end
puts "replica Enabled in #{replica_name} after #{format('%.1f', Process.clock_gettime(Process::CLOCK_MONOTONIC) - started)} s"

sealed = primary.call(:encrypt, Mrk::V1::EncryptRequest.new(key_id: key.key_id, plaintext: 'hello from ruby'))
opened = replica.call(:decrypt, Mrk::V1::DecryptRequest.new(ciphertext_blob: sealed.ciphertext_blob))
puts "decrypted in #{replica_name}: #{opened.plaintext}"
exit 1 unless opened.plaintext == 'hello from ruby'

begin
  primary.call(:describe_key, Mrk::V1::DescribeKeyRequest.new(key_id: '00000000-0000-0000-0000-000000000000'))
  abort 'a missing key was found'
rescue GRPC::BadStatus => e
  reason = aws_exception(e)
  puts "deliberate error: #{e.class.name.split('::').last} #{reason}"
  exit(reason == 'NotFoundException' ? 0 : 1)
end
