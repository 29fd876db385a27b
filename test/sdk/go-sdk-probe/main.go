// A small Go program driving the official OSS Go SDK (Debian's golang-github-aliyun-aliyun-oss-go-sdk-dev, 1.5,
// V1 signatures) the way a Go service would, for test/sdk/go-sdk.test.ts. It reads one JSON scenario on stdin
// (secrets never go on the command line), runs its steps in order and prints one JSON result per step.
//
// Credentials come from sts-token as a native client gets them: a GET of `?format=app-server` with the caller's
// bearer token, parsed as the mobile SDKs parse it. Signed PUT URLs from sign-url are sent with net/http alone.
//
// Nothing secret is ever printed: a result carries the operation, the HTTP status and OSS's error code, never an
// error message (the SDK's messages and net/http's URL errors can carry signatures and security tokens).
//
// Built in GOPATH mode against Debian's tree: GOPATH=/usr/share/gocode GO111MODULE=off go build.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

type scenario struct {
	// sts-token's URL and the caller's bearer token: the probe asks for app-server credentials itself.
	StsTokenURL string `json:"stsTokenUrl"`
	Bearer      string `json:"bearer"`
	// Where the SDK sends its requests: an origin; with an IP address the SDK addresses the bucket path-style.
	Endpoint string `json:"endpoint"`
	Bucket   string `json:"bucket"`
	Steps    []step `json:"steps"`
}

type step struct {
	// put, multipart, uploadFile, get, signedPut, signedPutFile
	Op          string `json:"op"`
	Key         string `json:"key"`
	ContentType string `json:"contentType"`
	// base64
	Body     string `json:"body"`
	PartSize int64  `json:"partSize"`
	// signedPut: sign-url's answer as it is; with contentLength, that many bytes are sent instead of the body
	// (the body, then zeros, or cut short): a client sending another size than it declared.
	URL           string            `json:"url"`
	Headers       map[string]string `json:"headers"`
	ContentLength *int64            `json:"contentLength"`
	// signedPutFile: set the request's ContentLength from the file's size (net/http does not for an *os.File).
	SetLength bool `json:"setLength"`
}

type result struct {
	Op     string `json:"op"`
	Key    string `json:"key,omitempty"`
	OK     bool   `json:"ok"`
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	// get: the object's bytes, base64 (only ever reached when a read is wrongly allowed)
	Body string `json:"body,omitempty"`
}

// What the probe learnt from sts-token, printed first (never the credentials themselves).
type credentialsResult struct {
	Op         string `json:"op"`
	OK         bool   `json:"ok"`
	Status     int    `json:"status"`
	StatusCode int    `json:"statusCode"`
	Expiration string `json:"expiration"`
	// Whether AccessKeyId looks like an STS key ("STS." prefix).
	StsKey bool `json:"stsKey"`
}

// The app-server answer, as the Android SDK reads it: StatusCode may be a number or a numeric string.
type appServerAnswer struct {
	StatusCode      json.RawMessage `json:"StatusCode"`
	AccessKeyID     string          `json:"AccessKeyId"`
	AccessKeySecret string          `json:"AccessKeySecret"`
	SecurityToken   string          `json:"SecurityToken"`
	Expiration      string          `json:"Expiration"`
	ErrorCode       string          `json:"ErrorCode"`
}

func main() {
	var input scenario
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		fail("scenario is not valid JSON")
	}
	out := json.NewEncoder(os.Stdout)

	answer, status, ok := fetchCredentials(input)
	statusCode, _ := strconv.Atoi(string(bytes.Trim(answer.StatusCode, `"`)))
	// The iOS SDK's date format: yyyy-MM-dd'T'HH:mm:ssZ, whole seconds.
	_, dateErr := time.Parse("2006-01-02T15:04:05Z07:00", answer.Expiration)
	credentialsOK := ok && statusCode == 200 && dateErr == nil && answer.AccessKeyID != ""
	out.Encode(credentialsResult{
		Op: "credentials", OK: credentialsOK, Status: status, StatusCode: statusCode, Expiration: answer.Expiration,
		StsKey: len(answer.AccessKeyID) > 4 && answer.AccessKeyID[:4] == "STS.",
	})
	if !credentialsOK {
		os.Exit(0)
	}

	// The SDK's STS-token client option; CRC64 stays on (its default): the emulator sends no CRC header, which
	// the SDK accepts.
	client, err := oss.New(input.Endpoint, answer.AccessKeyID, answer.AccessKeySecret,
		oss.SecurityToken(answer.SecurityToken), oss.Timeout(10, 30))
	if err != nil {
		fail("oss.New failed")
	}
	bucket, err := client.Bucket(input.Bucket)
	if err != nil {
		fail("client.Bucket failed")
	}

	for _, s := range input.Steps {
		out.Encode(run(bucket, s))
	}
}

func fetchCredentials(input scenario) (appServerAnswer, int, bool) {
	var answer appServerAnswer
	request, err := http.NewRequest("GET", input.StsTokenURL+"?format=app-server", nil)
	if err != nil {
		return answer, 0, false
	}
	request.Header.Set("Authorization", "Bearer "+input.Bearer)
	response, err := (&http.Client{Timeout: 10 * time.Second}).Do(request)
	if err != nil {
		return answer, 0, false
	}
	defer response.Body.Close()
	body, err := ioutil.ReadAll(response.Body)
	if err != nil || json.Unmarshal(body, &answer) != nil {
		return answer, response.StatusCode, false
	}
	return answer, response.StatusCode, true
}

func run(bucket *oss.Bucket, s step) result {
	body, err := base64.StdEncoding.DecodeString(s.Body)
	if err != nil {
		fail("step body is not base64")
	}
	options := []oss.Option{}
	if s.ContentType != "" {
		options = append(options, oss.ContentType(s.ContentType))
	}
	switch s.Op {
	case "put":
		return outcome(s, bucket.PutObject(s.Key, bytes.NewReader(body), options...))
	case "multipart":
		return outcome(s, multipart(bucket, s.Key, body, s.PartSize, options))
	case "uploadFile":
		// The SDK's own concurrent multipart upload of a file (3 goroutines).
		dir, err := ioutil.TempDir("", "oss-go-sdk-probe-")
		if err != nil {
			fail("no temporary folder")
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "upload.bin")
		if ioutil.WriteFile(path, body, 0o600) != nil {
			fail("cannot write the temporary file")
		}
		return outcome(s, bucket.UploadFile(s.Key, path, s.PartSize, append(options, oss.Routines(3))...))
	case "get":
		reader, err := bucket.GetObject(s.Key)
		if err != nil {
			return outcome(s, err)
		}
		defer reader.Close()
		data, err := ioutil.ReadAll(reader)
		r := outcome(s, err)
		r.Body = base64.StdEncoding.EncodeToString(data)
		return r
	case "signedPut":
		return signedPut(s, body)
	case "signedPutFile":
		return signedPutFile(s, body)
	}
	fail("unknown op " + s.Op)
	return result{}
}

// InitiateMultipartUpload, UploadPart for each part, CompleteMultipartUpload: the SDK's explicit multipart API.
func multipart(bucket *oss.Bucket, key string, body []byte, partSize int64, options []oss.Option) error {
	imur, err := bucket.InitiateMultipartUpload(key, options...)
	if err != nil {
		return err
	}
	var parts []oss.UploadPart
	for start, number := int64(0), 1; start < int64(len(body)); start, number = start+partSize, number+1 {
		end := start + partSize
		if end > int64(len(body)) {
			end = int64(len(body))
		}
		part, err := bucket.UploadPart(imur, bytes.NewReader(body[start:end]), end-start, number)
		if err != nil {
			bucket.AbortMultipartUpload(imur)
			return err
		}
		parts = append(parts, part)
	}
	_, err = bucket.CompleteMultipartUpload(imur, parts)
	return err
}

// sign-url's PUT answer sent as any HTTP client would: the URL, exactly its headers, the body.
func signedPut(s step, body []byte) result {
	request, err := http.NewRequest("PUT", s.URL, bytes.NewReader(body))
	if err != nil {
		return result{Op: s.Op, Code: "BadURL"}
	}
	for name, value := range s.Headers {
		request.Header.Set(name, value)
	}
	if s.ContentLength != nil {
		request.ContentLength = *s.ContentLength
		request.Body = ioutil.NopCloser(io.LimitReader(bytes.NewReader(append(body, make([]byte, 1<<20)...)), *s.ContentLength))
	}
	return send(s, request)
}

func send(s step, request *http.Request) result {
	response, err := (&http.Client{Timeout: 10 * time.Second}).Do(request)
	if err != nil {
		// Never the error's text: it names the URL, signature included.
		return result{Op: s.Op, Code: "RequestFailed"}
	}
	defer response.Body.Close()
	data, _ := ioutil.ReadAll(response.Body)
	r := result{Op: s.Op, OK: response.StatusCode == 200, Status: response.StatusCode}
	if !r.OK {
		var ossError struct {
			Code string `xml:"Code"`
		}
		xml.Unmarshal(data, &ossError)
		r.Code = ossError.Code
	}
	return r
}

// The same from a file, as a service would send one: net/http knows the length of a bytes.Reader, not of an
// *os.File, and sends a file chunked unless told its ContentLength.
func signedPutFile(s step, body []byte) result {
	file, err := ioutil.TempFile("", "oss-go-sdk-probe-")
	if err != nil {
		fail("no temporary file")
	}
	defer os.Remove(file.Name())
	defer file.Close()
	if _, err := file.Write(body); err != nil {
		fail("cannot write the temporary file")
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		fail("cannot rewind the temporary file")
	}
	request, err := http.NewRequest("PUT", s.URL, file)
	if err != nil {
		return result{Op: s.Op, Code: "BadURL"}
	}
	for name, value := range s.Headers {
		request.Header.Set(name, value)
	}
	if s.SetLength {
		info, err := file.Stat()
		if err != nil {
			fail("cannot stat the temporary file")
		}
		request.ContentLength = info.Size()
	}
	return send(s, request)
}

func outcome(s step, err error) result {
	r := result{Op: s.Op, Key: s.Key, OK: err == nil}
	var serviceError oss.ServiceError
	var unexpected oss.UnexpectedStatusCodeError
	switch {
	case err == nil:
		r.Status = 200
	case errors.As(err, &serviceError):
		r.Status, r.Code = serviceError.StatusCode, serviceError.Code
	case errors.As(err, &unexpected):
		r.Status, r.Code = unexpected.Got(), "UnexpectedStatus"
	default:
		r.Code = fmt.Sprintf("ClientError:%T", err)
	}
	return r
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "go-sdk-probe: "+message)
	os.Exit(2)
}
